import { apiGroup, type K8sObject, objectAddress } from "./k8s-object.js";

/** `group/Kind` (`core/Namespace`, `cert-manager.io/ClusterIssuer`): how kinds are told apart across API groups. */
export const kindKey = (o: { apiVersion: string; kind: string }): string => `${apiGroup(o.apiVersion) || "core"}/${o.kind}`;

/**
 * A preview of a Helm or Kustomize project lives in a namespace of its own, which Sluice creates
 * with the preview and deletes with it. These labels say so on the namespace, for an operator
 * looking at the cluster.
 */
export const PREVIEW_NAMESPACE_LABELS = { "app.kubernetes.io/managed-by": "sluice", "sluice.dev/preview": "true" } as const;

/**
 * Whose preview the namespace is (`OWNER/REPO#PR:PROJECT`): two repositories on one cluster, or
 * two projects of one repository, may give their previews the same namespace name; each writes
 * into and deletes only the one made for it.
 */
export const PREVIEW_OF_ANNOTATION = "sluice.dev/preview-of";

/** The Namespace object of a preview, as a manifest (a kustomize preview renders it with the rest). */
export function previewNamespaceManifest(namespace: string, previewOf: string): string {
  const labels = Object.entries(PREVIEW_NAMESPACE_LABELS)
    .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
    .join("\n");
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${JSON.stringify(namespace)}\n  labels:\n${labels}\n  annotations:\n    ${PREVIEW_OF_ANNOTATION}: ${JSON.stringify(previewOf)}\n`;
}

/**
 * Why a preview's render may not be applied, or undefined when it stays inside its namespace.
 * Deleting the namespace is how a preview goes away, so everything it creates must be in it: an
 * object in another namespace (a chart that hard-codes `namespace: prod`) would overwrite
 * production's and outlive the preview; a cluster-scoped one (a ClusterRole, a CRD) is shared
 * with every other namespace. The preview's own Namespace object is the one exception.
 */
export function namespaceEscapes(
  objects: readonly K8sObject[],
  namespace: string,
  /** What the cluster says is cluster-scoped (clusterScopedKinds): custom kinds too, which no list here knows. */
  clusterKinds: ReadonlySet<string> = new Set(),
): string | undefined {
  const outside = objects.filter((o) =>
    o.namespace === "" || clusterKinds.has(kindKey(o)) ? !(o.kind === "Namespace" && o.name === namespace) : o.namespace !== namespace,
  );
  if (outside.length === 0) return undefined;
  const listed = outside
    .slice(0, 10)
    .map((o) => `\`${clusterKinds.has(kindKey(o)) ? `${o.kind}/${o.name}` : objectAddress(o)}\``)
    .join(", ");
  const more = outside.length > 10 ? ` and ${outside.length - 10} more` : "";
  return `a preview lives in namespace \`${namespace}\` only, which it is destroyed with, but the render also holds ${listed}${more} (cluster-wide, or in another namespace): those would be shared with, or overwrite, what runs outside the preview`;
}

/** `kubectl delete namespace`: the last step of a preview's destroy; a namespace already gone is fine. */
export function kubectlDeleteNamespaceArgv(namespace: string, kubeconfig: string): string[] {
  return ["delete", "namespace", namespace, "--ignore-not-found", "--wait=true", "--kubeconfig", kubeconfig];
}

/** The namespace as the cluster has it (JSON), or nothing when there is none. */
export function kubectlGetNamespaceArgv(namespace: string, kubeconfig: string): string[] {
  return ["get", "namespace", namespace, "--ignore-not-found", "-o", "json", "--kubeconfig", kubeconfig];
}

/** Creates (never adopts: an existing namespace is an error) the objects of a file. */
export function kubectlCreateArgv(file: string, kubeconfig: string): string[] {
  return ["create", "-f", file, "--kubeconfig", kubeconfig];
}

export type NamespaceOwner =
  | { kind: "absent" }
  | { kind: "ours" }
  | { kind: "foreign"; message: string }
  /** The cluster's answer could not be read: nobody can say whose the namespace is. */
  | { kind: "unknown"; message: string };

/**
 * Whose the namespace is, from `kubectl get namespace -o json` (pure): absent, a Sluice preview's
 * (it carries the preview labels), or someone else's, which a preview never writes into, adopts or
 * deletes, whatever its name.
 */
export function namespaceOwner(getOutput: string, namespace: string, previewOf: string): NamespaceOwner {
  if (getOutput.trim() === "") return { kind: "absent" };
  let labels: Record<string, unknown> = {};
  let annotations: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(getOutput) as { metadata?: { labels?: Record<string, unknown>; annotations?: Record<string, unknown> } };
    labels = parsed.metadata?.labels ?? {};
    annotations = parsed.metadata?.annotations ?? {};
  } catch {
    return { kind: "unknown", message: `the cluster's answer about namespace \`${namespace}\` could not be read` };
  }
  const preview = Object.entries(PREVIEW_NAMESPACE_LABELS).every(([k, v]) => labels[k] === v);
  const of = annotations[PREVIEW_OF_ANNOTATION];
  if (preview && of === previewOf) return { kind: "ours" };
  if (preview) {
    const whose = typeof of === "string" ? `the preview ${of}` : "another preview";
    return {
      kind: "foreign",
      message: `namespace \`${namespace}\` belongs to ${whose}, not to ${previewOf}: give this project's previews a namespace template of their own (e.g. \`web-pr-{number}\`)`,
    };
  }
  return {
    kind: "foreign",
    message: `namespace \`${namespace}\` exists and is not a Sluice preview's (it lacks the label \`sluice.dev/preview: "true"\`): a preview never writes into, adopts or deletes a namespace it did not create`,
  };
}

/** The cluster's cluster-scoped resources, as a table (NAME SHORTNAMES APIVERSION NAMESPACED KIND). */
export function kubectlClusterKindsArgv(kubeconfig: string): string[] {
  return ["api-resources", "--namespaced=false", "--no-headers", "--kubeconfig", kubeconfig];
}

/**
 * The `group/Kind` keys of `kubectl api-resources --namespaced=false --no-headers` (pure): read
 * from the end of each row, since the SHORTNAMES column may be empty.
 */
export function clusterScopedKinds(table: string): Set<string> {
  const kinds = new Set<string>();
  for (const line of table.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) continue;
    const kind = cols[cols.length - 1] as string;
    const apiVersion = cols[cols.length - 3] as string;
    kinds.add(kindKey({ apiVersion, kind }));
  }
  return kinds;
}

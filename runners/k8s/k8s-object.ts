/** One Kubernetes object out of a rendered manifest stream, identified the way the API server does. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  /** "" for cluster-scoped kinds; the render's default namespace when the manifest names none. */
  namespace: string;
  name: string;
  /** The whole document as parsed (Secret values already replaced by hashes). */
  body: unknown;
  /** The template that rendered it, from helm's `# Source:` comment; absent for other tools. */
  source?: string;
  /**
   * An item of a `List` document. helm tells hooks apart by document: a List has no annotations
   * of its own, so its items are ordinary objects of the release, whatever their annotations say.
   */
  listItem?: true;
}

/**
 * Kinds without a namespace. A short list, not discovery: no cluster is consulted at plan time, and
 * a custom cluster-scoped kind that lands in a namespace only changes its key, not whether a change
 * is seen.
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PersistentVolume",
  "StorageClass",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "PriorityClass",
  "IngressClass",
  "APIService",
  "Node",
  "CSIDriver",
  "RuntimeClass",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
]);

/** `apps/v1` -> `apps`, `v1` -> `` (the core group). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/**
 * Identity for matching base and head: group, kind, namespace, name. The version is left out on
 * purpose: `autoscaling/v2beta2` -> `autoscaling/v2` is the same object on the server, so it shows
 * as an update of the apiVersion line, not as a delete plus a create.
 */
export function objectKey(o: Pick<K8sObject, "apiVersion" | "kind" | "namespace" | "name">): string {
  return `${apiGroup(o.apiVersion) || "core"}/${o.kind}/${o.namespace}/${o.name}`;
}

/** The address shown to people and in PlanSummary: `Kind/namespace/name`, or `Kind/name` cluster-wide. */
export function objectAddress(o: Pick<K8sObject, "kind" | "namespace" | "name">): string {
  return o.namespace === "" ? `${o.kind}/${o.name}` : `${o.kind}/${o.namespace}/${o.name}`;
}

/** A metadata annotation's value, when it is a string. */
export function annotation(o: Pick<K8sObject, "body">, name: string): string | undefined {
  const value = (o.body as { metadata?: { annotations?: Record<string, unknown> } } | undefined)?.metadata?.annotations?.[name];
  return typeof value === "string" ? value : undefined;
}

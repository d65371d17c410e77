import { type K8sObject, objectKey } from "./k8s-object.js";

export type ObjectIdentity = Pick<K8sObject, "apiVersion" | "kind" | "namespace" | "name">;

/** A deletion as the plan file holds it: `forget` when the plan counted it forgotten (helm's `resource-policy: keep`), not deleted. */
export type PlannedDeletion = ObjectIdentity & { forget?: true };

const PREFIX = "# sluice:delete ";

/**
 * The objects a kustomize plan deletes, as YAML comment lines at the top of the saved render:
 * one plan file, one content hash (correctness rule 1) covers what is applied and what is
 * deleted, and kubectl ignores the comments. Identities only, never bodies. `forgotten` (object
 * keys): the deletions a helm plan counted forgotten (`helm.sh/resource-policy: keep` in the base's
 * render), which the apply checks the release in the cluster still marks so.
 */
export function encodeDeletions(objects: readonly ObjectIdentity[], forgotten: ReadonlySet<string> = new Set()): string {
  return objects
    .map((o) => {
      const forget = forgotten.has(objectKey(o)) ? { forget: true } : {};
      return `${PREFIX}${JSON.stringify({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.namespace, name: o.name, ...forget })}\n`;
    })
    .join("");
}

export function decodeDeletions(planText: string): PlannedDeletion[] {
  const out: PlannedDeletion[] = [];
  for (const line of planText.split("\n")) {
    if (!line.startsWith(PREFIX)) break;
    const v = JSON.parse(line.slice(PREFIX.length)) as Record<string, unknown>;
    const field = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : "");
    const identity = { apiVersion: field("apiVersion"), kind: field("kind"), namespace: field("namespace"), name: field("name") };
    out.push(v.forget === true ? { ...identity, forget: true } : identity);
  }
  return out;
}

/** A manifest `kubectl delete -f` can use: which objects, nothing of their content. */
export function deletionManifest(objects: readonly ObjectIdentity[]): string {
  return objects
    .map((o) => {
      const ns = o.namespace === "" ? "" : `\n  namespace: ${JSON.stringify(o.namespace)}`;
      return `---\napiVersion: ${JSON.stringify(o.apiVersion)}\nkind: ${JSON.stringify(o.kind)}\nmetadata:\n  name: ${JSON.stringify(o.name)}${ns}\n`;
    })
    .join("");
}

import type { ObjectChange } from "./diff-objects.js";
import { differingPaths } from "./differing-paths.js";
import type { K8sObject } from "./k8s-object.js";

/**
 * Per updated object (by address): the fields that change, named as rules read them — the
 * top-level field (`spec`, `data`), or under `metadata` one level deeper (`metadata.labels`,
 * `metadata.annotations`). Names only, never values. Fields hidden by `ignore_differences` still
 * count here: a rule that waives review must not be met by what the reviewer was not shown.
 */
export function changedFields(
  changes: readonly ObjectChange[],
  base: readonly K8sObject[],
  head: readonly K8sObject[],
): Record<string, string[]> {
  const paths = differingPaths(base, head, { secretValues: true });
  const out: Record<string, string[]> = {};
  for (const c of changes) {
    if (c.action !== "update") continue;
    const names = new Set<string>();
    for (const path of paths.get(c.key) ?? []) {
      const [first, second] = path.map(String);
      names.add(first === "metadata" && second !== undefined ? `metadata.${second}` : (first ?? "(whole object)"));
    }
    // Objects of one kind, namespace and name in two API groups (a core and a Knative Service)
    // share an address: the rules must read what either changes.
    for (const name of out[c.address] ?? []) names.add(name);
    out[c.address] = [...names].sort();
  }
  return out;
}

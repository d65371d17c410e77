import type { PlanSummary, ResourceChange } from "../../src/model/plan-summary.js";
import { hashChange } from "../terraform/hash-change.js";
import type { ObjectChange } from "./diff-objects.js";

/**
 * A PlanSummary for a Kubernetes render diff, so helm and kustomize projects render and count like
 * Terraform ones: create/update/delete are add/change/destroy. Nothing is "replaced" at render
 * time (whether an update forces a replacement is the API server's call). `sensitiveValues` stays
 * empty here: the runner adds the Secret values it found.
 */
export function summarizeObjectChanges(changes: readonly ObjectChange[]): PlanSummary {
  const resources: ResourceChange[] = changes.map((c) => ({ address: c.address, action: c.action }));
  const count = (action: ObjectChange["action"]) => changes.filter((c) => c.action === action).length;
  return {
    add: count("create"),
    change: count("update"),
    destroy: count("delete"),
    replace: 0,
    move: 0,
    import: 0,
    forget: 0,
    // diffObjects already sorts destroys first, then creates, then updates.
    resources,
    moves: [],
    outputs: [],
    hasChanges: changes.length > 0,
    sensitiveValues: [],
    // The diff carries the object's values (Secret data already keyed hashes): equal diffs, equal changes.
    changeHashes: changeHashes(changes),
  };
}

/**
 * One digest per address. Objects of one kind, namespace and name in two API groups share an
 * address: its digest covers every one of their diffs, in the diff's order.
 */
function changeHashes(changes: readonly ObjectChange[]): Record<string, string> {
  const diffs = new Map<string, string[]>();
  for (const c of changes) diffs.set(c.address, [...(diffs.get(c.address) ?? []), c.diff]);
  return Object.fromEntries([...diffs].map(([address, d]) => [address, hashChange(d.length === 1 ? (d[0] as string) : d.join("\n\0\n"))]));
}

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
    changeHashes: Object.fromEntries(changes.map((c) => [c.address, hashChange(c.diff)])),
  };
}

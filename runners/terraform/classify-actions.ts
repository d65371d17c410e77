import type { ResourceAction } from "../../src/model/plan-summary.js";

/** What one `resource_changes[].change.actions` list means, and how it counts. */
export interface ClassifiedActions {
  /** "no-op" never reaches the summary's resource list; it only matters for moves and imports. */
  action: ResourceAction | "no-op";
  add: 0 | 1;
  change: 0 | 1;
  destroy: 0 | 1;
  forget: 0 | 1;
  /** False when Terraform sent a combination this code does not know yet. */
  recognized: boolean;
}

const entry = (action: ClassifiedActions["action"], add: 0 | 1, change: 0 | 1, destroy: 0 | 1, forget: 0 | 1): ClassifiedActions => ({
  action,
  add,
  change,
  destroy,
  forget,
  recognized: true,
});

// Mirrors the counting of Terraform's own plan renderer (internal/command/jsonformat/plan.go), so the
// numbers match the "Plan: X to add, Y to change, Z to destroy." line people already know. A
// create-then-forget replacement (lifecycle destroy = false) adds a new object but destroys nothing.
const KNOWN: ReadonlyMap<string, ClassifiedActions> = new Map([
  ["no-op", entry("no-op", 0, 0, 0, 0)],
  ["create", entry("create", 1, 0, 0, 0)],
  ["update", entry("update", 0, 1, 0, 0)],
  ["delete", entry("delete", 0, 0, 1, 0)],
  ["delete,create", entry("replace", 1, 0, 1, 0)],
  ["create,delete", entry("replace", 1, 0, 1, 0)],
  ["create,forget", entry("replace", 1, 0, 0, 1)],
  ["forget,create", entry("replace", 1, 0, 0, 1)],
  ["forget", entry("forget", 0, 0, 0, 1)],
  ["read", entry("read", 0, 0, 0, 0)],
]);

// An action list from a newer Terraform must still show up as a change, never vanish: a reviewer
// seeing "update" on an odd resource asks questions; a reviewer seeing nothing does not.
const UNKNOWN: ClassifiedActions = { ...entry("update", 0, 1, 0, 0), recognized: false };

export function classifyActions(actions: readonly string[]): ClassifiedActions {
  return KNOWN.get(actions.join(",")) ?? UNKNOWN;
}

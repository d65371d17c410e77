import { isDeposed } from "../../runners/terraform/teardown.js";
import type { PlanSummary } from "../model/plan-summary.js";

type Applied = Pick<PlanSummary, "resources"> & Pick<Partial<PlanSummary>, "imports" | "moves">;

/**
 * A plan's teardown measured with what the same pull request already applied to the project (its
 * successful applies at that dir and workspace, from the store: nothing the pull request writes
 * decides it): a project taken down a few resources at a time, each plan deleting less than half
 * of what is left, deletes most of what it held before the first of them all the same.
 *
 * What it held then is the plan's prior state with the earlier applies undone: what they deleted
 * or forgot added back, what they created or imported taken off (so throwaways the pull request
 * created first do not dilute its deletes, even before it deleted anything). A delete of what the
 * pull request itself created is none of what the project held, and is not counted. Undefined
 * when the sum is no teardown, or the pull request's earlier applies changed nothing it counts.
 */
export function prTeardownOf(
  deleted: PlanSummary["deleted"],
  applied: readonly Applied[],
  /** This plan's resource changes: its deletes of what the earlier applies created are not the project's. */
  planned: PlanSummary["resources"] = [],
): PlanSummary["teardown"] | undefined {
  if (!deleted) return undefined;
  const earlier = replay(applied);
  if (earlier.deleted === 0 && earlier.own.size === 0) return undefined;
  const ownNow = planned.filter((r) => r.action === "delete" && !isDeposed(r.address) && earlier.own.has(r.previousAddress ?? r.address));
  const destroys = earlier.deleted + deleted.destroys - ownNow.length;
  const held = Math.max(deleted.held + earlier.deleted + earlier.forgotten - earlier.own.size, destroys);
  return destroys * 2 > held ? { destroys, held, applied: earlier.deleted } : undefined;
}

/**
 * The earlier applies, oldest first: how many of the project's own resources they deleted or
 * forgot, and the addresses of what they created or imported that are still in the state.
 */
function replay(applied: readonly Applied[]): { deleted: number; forgotten: number; own: Set<string> } {
  const own = new Set<string>();
  let deleted = 0;
  let forgotten = 0;
  for (const s of applied) {
    for (const r of s.resources) {
      const from = r.previousAddress ?? r.address;
      if (r.action === "delete" && !isDeposed(r.address)) {
        if (!own.delete(from)) deleted++;
      } else if (r.action === "forget") {
        if (!own.delete(from)) forgotten++;
      } else if (r.action === "create" || r.importing) own.add(r.address);
      else if (r.previousAddress !== undefined && own.delete(r.previousAddress)) own.add(r.address);
    }
    for (const m of s.moves ?? []) if (own.delete(m.from)) own.add(m.to);
    for (const address of s.imports ?? []) own.add(address);
  }
  return { deleted, forgotten, own };
}

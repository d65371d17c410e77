import { deletesIn } from "../../runners/terraform/teardown.js";
import type { PlanSummary } from "../model/plan-summary.js";

type Applied = Pick<PlanSummary, "resources"> & Pick<Partial<PlanSummary>, "imports">;

/**
 * A plan's teardown measured with what the same pull request already applied to the project (its
 * successful applies at that dir and workspace, from the store: nothing the pull request writes
 * decides it): a project taken down a few resources at a time, each plan deleting less than half
 * of what is left, deletes most of what it held before the first of them all the same.
 *
 * What it held then is the plan's prior state with the earlier applies undone: what they deleted
 * or forgot added back, what they created or imported taken off (so throwaways the pull request
 * created first do not dilute its deletes). Undefined when the sum is no teardown, or the pull
 * request applied no delete before this plan.
 */
export function prTeardownOf(deleted: PlanSummary["deleted"], applied: readonly Applied[]): PlanSummary["teardown"] | undefined {
  if (!deleted) return undefined;
  let earlier = 0;
  let forgotten = 0;
  let added = 0;
  for (const s of applied) {
    earlier += deletesIn(s.resources);
    forgotten += s.resources.filter((r) => r.action === "forget").length;
    added += s.resources.filter((r) => r.action === "create" || r.importing).length + (s.imports?.length ?? 0);
  }
  if (earlier === 0) return undefined;
  const destroys = earlier + deleted.destroys;
  const held = Math.max(deleted.held + earlier + forgotten - added, destroys);
  return destroys * 2 > held ? { destroys, held, applied: earlier } : undefined;
}

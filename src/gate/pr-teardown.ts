import { isDeposed } from "../../runners/terraform/teardown.js";
import type { PlanSummary } from "../model/plan-summary.js";

type Summary = Pick<PlanSummary, "resources"> & Pick<Partial<PlanSummary>, "imports" | "moves">;
/** One earlier apply of the pull request: one that failed (or was cut short) may have done part of its plan. */
type Applied = { summary: Summary; succeeded: boolean };

/**
 * A plan's teardown measured with what the same pull request already applied to the project (its
 * applies at that dir and workspace, from the store: nothing the pull request writes decides it):
 * a project taken down a few resources at a time, each plan deleting less than half of what is
 * left, deletes most of what it held before the first of them all the same.
 *
 * What it held then is the plan's prior state with the earlier applies undone: what they deleted
 * or forgot added back, what they created or imported taken off (so throwaways the pull request
 * created first do not dilute its deletes, even before it deleted anything). A delete of what the
 * pull request itself created is none of what the project held, and is not counted. An apply that
 * failed counts as having deleted what it planned to (terraform deletes what it can before it
 * stops), but once: a later plan's delete of the same address is a retry. Undefined when the sum
 * is no teardown, or the pull request's earlier applies changed nothing it counts.
 */
export function prTeardownOf(
  deleted: PlanSummary["deleted"],
  applied: readonly Applied[],
  /** This plan's resource changes: its deletes of what the earlier applies created are not the project's. */
  planned: PlanSummary["resources"] = [],
): PlanSummary["teardown"] | undefined {
  if (!deleted) return undefined;
  const earlier = replay(applied);
  const deletesNow = planned.filter((r) => r.action === "delete" && !isDeposed(r.address)).map((r) => r.previousAddress ?? r.address);
  for (const address of deletesNow) earlier.maybe.delete(address);
  const before = earlier.deleted + earlier.maybe.size;
  if (before === 0 && earlier.own.size === 0) return undefined;
  const destroys = before + deleted.destroys - deletesNow.filter((a) => earlier.own.has(a)).length;
  const held = Math.max(deleted.held + before + earlier.forgotten - earlier.own.size, destroys);
  return destroys * 2 > held ? { destroys, held, applied: before } : undefined;
}

/**
 * The earlier applies, oldest first: how many of the project's own resources they deleted or
 * forgot, the addresses a failed apply may have deleted (`maybe`), and of what they created or
 * imported, the addresses still in the state (a failed apply's too: held for sure is never less).
 */
function replay(applied: readonly Applied[]) {
  const own = new Set<string>();
  const maybe = new Set<string>();
  let deleted = 0;
  let forgotten = 0;
  for (const { summary: s, succeeded } of applied) {
    for (const r of s.resources) {
      const from = r.previousAddress ?? r.address;
      if (r.action === "delete" && !isDeposed(r.address)) {
        if (!succeeded) {
          if (!own.has(from)) maybe.add(from);
        } else if (!own.delete(from)) {
          maybe.delete(from);
          deleted++;
        }
      } else if (r.action === "forget") {
        if (succeeded && !own.delete(from)) forgotten++;
      } else if (r.action === "create" || r.importing) own.add(r.address);
      else if (r.previousAddress !== undefined && own.delete(r.previousAddress)) own.add(r.address);
    }
    for (const m of s.moves ?? []) if (own.delete(m.from)) own.add(m.to);
    for (const address of s.imports ?? []) own.add(address);
  }
  return { deleted, forgotten, own, maybe };
}

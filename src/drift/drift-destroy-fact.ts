import type { RepoSettings } from "../config/repo-settings.js";
import { destroyWhat, NOT_ALLOWED } from "../gate/destroy-words.js";
import type { GateFacts } from "../gate/gate-facts.js";
import type { PlanSummary } from "../model/plan-summary.js";
import type { Project } from "../model/project.js";
import { destroysSomething } from "./classify-drift.js";

type Summary = Pick<PlanSummary, "destroy" | "replace" | "resources" | "destroyPlan" | "teardown">;

/**
 * A drift plan's teardown (it deletes most of what the project's state holds: a default branch a
 * merged, never-applied pull request emptied) is held on the drift roads as on a pull request's:
 * by the project's `allow_destroy`. A reconcile, which Sluice runs by itself, also needs drift's
 * own `allow_destroy` for any destroy or replace; a person's `/apply` on the drift issue does not.
 */
export function driftDestroyFact(
  road: "drift-issue" | "reconcile",
  summary: Summary,
  project: Project,
  settings: Pick<RepoSettings, "allowDestroyFor" | "driftFor">,
): NonNullable<GateFacts["destroy"]> {
  // `teardown` alone: a plan saved before drift teardowns were held (see markedTeardown).
  const teardown = summary.destroyPlan === true || summary.teardown !== undefined;
  const projectAllows = settings.allowDestroyFor(project);
  if (road === "drift-issue")
    return { destroys: teardown, allowed: projectAllows, what: `${destroyWhat(summary.teardown)}, ${NOT_ALLOWED}` };
  const driftAllows = settings.driftFor(project).allowDestroy;
  if (!driftAllows)
    return {
      destroys: destroysSomething(summary),
      allowed: false,
      what: "the plan destroys or replaces resources, and `allow_destroy` is not set for this project's drift",
    };
  return { destroys: teardown, allowed: projectAllows, what: `${destroyWhat(summary.teardown)}, ${NOT_ALLOWED}` };
}

/**
 * A drift plan's summary marked a destroy plan when the runner read a teardown from it. A drift
 * issue's plan saved by a Sluice before drift teardowns were held carries `teardown` alone: read
 * through this, it is held all the same when `/apply` on its issue comes after an upgrade.
 */
export function markedTeardown<T extends Partial<Pick<PlanSummary, "teardown" | "destroyPlan">>>(
  summary: T,
): T & Pick<PlanSummary, "destroyPlan"> {
  return summary.teardown && summary.destroyPlan !== true ? { ...summary, destroyPlan: true } : summary;
}

/**
 * Why a drift road counts no approval for a `destroy:` rule: neither a drift issue nor a reconcile
 * has reviews, so a teardown under a rule that asks for approvals is applied from a pull request.
 */
export const NO_REVIEWS_ON_DRIFT =
  "a drift issue or a reconcile has no reviews to count: apply this teardown from a pull request (`/plan -- -destroy`), where the `destroy` rule's approvals are given";

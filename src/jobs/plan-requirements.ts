import type { RequirementFacts } from "../gate/gate-facts.js";
import type { ApplyFacts } from "../policy/check-apply-policy.js";
import { prRequirementFacts } from "../authorization/pr-gate-facts.js";
import { withReviewsNow } from "../authorization/reviews-now.js";
import type { Requirement } from "../model/repo-config.js";
import { approvingReviewers } from "../policy/count-approvals.js";
import { gatherCodeOwners, loadedModules } from "../repo-reading/gather-code-owners.js";
import { ownersCommit } from "../repo-reading/trusted-settings.js";
import type { PlanRecord } from "../store/store.js";
import type { ApplyContext } from "./apply-context.js";

/**
 * Each plan's requirements as the gate asks them inside its run lock: the PR's facts with its
 * reviews read again, the code owners of the planned dirs when a plan requires them (read once for
 * all), approvals counted from the plan or an identical re-plan.
 */
export async function planRequirements(
  ctx: ApplyContext,
  plans: PlanRecord[],
  requirementsOf: (plan: PlanRecord) => Requirement[],
  facts: ApplyFacts,
): Promise<(plan: PlanRecord) => Promise<RequirementFacts>> {
  const { deps, pr, settings } = ctx;
  const codeOwners = plans.some((p) => requirementsOf(p).includes("code_owners"))
    ? await gatherCodeOwners(
        deps,
        ctx.vcs,
        ctx.job.target.repo,
        ctx.head,
        await ownersCommit(deps, ctx.vcs, ctx.job, pr, ctx.trusted),
        plans.map((p) => p.dir),
        approvingReviewers(facts.reviews),
        loadedModules(plans),
      )
    : undefined;
  return async (plan) =>
    prRequirementFacts(deps, plan, {
      // At merge, mergeability and freshness of the branch no longer mean anything; approvals still do.
      requirements: ctx.merge
        ? requirementsOf(plan).filter((r) => r === "approved" || r === "code_owners" || r === "verified_commits")
        : requirementsOf(plan),
      approvalsNeeded: settings.approvals,
      // Read again at each project's gate: an approval withdrawn since the job started counts no more.
      facts: await withReviewsNow(deps, ctx.vcs, ctx.job.target.repo, pr, facts),
      codeOwners: codeOwners?.get(plan.dir),
    });
}

import { ALLOWED, type Decision, refuse } from "./decision.js";
import { describeBlocking, type PolicyFact } from "./policy-status.js";

const short = (sha: string) => sha.slice(0, 7);

/** Everything that decides whether one saved plan may be applied now, gathered inside its run lock. */
export interface PlanGateFacts {
  plan: { headSha: string; baseSha: string; summary?: { destroyPlan?: boolean } };
  /** An apply from a check run's "Apply" button: the head SHA that check run was made for. */
  clickedSha?: string;
  /** The project's trusted `allow_destroy` (server or base-branch config); a destroy plan needs it. */
  allowDestroy?: boolean;
  /** The PR's live head and base, read from GitHub when the apply started. */
  pr: { headSha: string; baseSha: string };
  /** Apply on merge: the base has moved by definition (the merge), and the merge commit is re-checked instead. */
  merged: boolean;
  /** The PR's own changes touch the project's dir: a plan of anything else was never reviewed as part of it. */
  changedByPr: boolean;
  /** The project's requirements over the PR's reviews and state (approvals given after this plan). */
  requirements: Decision;
  /** The plan is still the PR's pending plan for the project (no newer plan, not used, not discarded). */
  stillPending: boolean;
  lockHeld: boolean;
  /** The plan file about to be applied has the sha256 recorded when the plan was made. */
  fileIntact: boolean;
  /** Why it is not, when known (missing, changed, or only on another replica). */
  fileProblem?: string;
  /** Server policy checks over this plan (by its hash): passed or approved, or the sets that block. */
  policies: PolicyFact;
}

/**
 * The apply gates as one decision. The caller holds the project's run lock while it gathers the
 * last three facts and until the tool has finished, so nothing can change the plan in between.
 */
export function checkPlanGates(f: PlanGateFacts): Decision {
  // The button belongs to the check run of one commit: a click there never applies a plan of another.
  if (f.clickedSha !== undefined && f.clickedSha !== f.pr.headSha) {
    return refuse(
      `the plan is stale: the button was on the check of ${short(f.clickedSha)} but the pull request head is now ${short(f.pr.headSha)}. Use the newest \`sluice/plan\` check, or comment \`/plan\` to plan again.`,
    );
  }
  if (f.plan.headSha !== f.pr.headSha) {
    return refuse(
      `the plan is stale: it was made for ${short(f.plan.headSha)} but the pull request head is now ${short(f.pr.headSha)}. Comment \`/plan\` to plan again.`,
    );
  }
  if (!f.merged && f.plan.baseSha !== f.pr.baseSha) {
    return refuse(
      `the base branch moved since this plan (${short(f.plan.baseSha)} → ${short(f.pr.baseSha)}). Comment \`/plan\` to plan again.`,
    );
  }
  if (!f.changedByPr) {
    return refuse(
      "this project is not changed by this pull request, so its approvals do not cover it: apply it from a pull request that changes it",
    );
  }
  if (!f.requirements.allowed) return f.requirements;
  if (f.plan.summary?.destroyPlan && !f.allowDestroy) {
    return refuse(
      "this is a destroy plan (`-destroy`): it would tear down everything the project manages, and the project does not set `allow_destroy: true` in the trusted config (server config, or the base branch's repo config)",
    );
  }
  if (!f.policies.passed) return refuse(describeBlocking(f.policies.blocking));
  if (!f.stillPending) return refuse("the plan was replaced or discarded while this apply waited. Comment `/plan` to plan again.");
  if (!f.lockHeld) {
    return refuse("this pull request no longer holds the project's lock (it was released). Comment `/plan` to take it again.");
  }
  if (!f.fileIntact) {
    return refuse(`${f.fileProblem ?? "the saved plan file is missing or changed since it was made"}. Comment \`/plan\` to plan again.`);
  }
  return ALLOWED;
}

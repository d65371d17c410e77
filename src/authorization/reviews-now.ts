import type { JobDeps } from "../job-context/job-deps.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { RepoRef } from "../model/repo.js";
import type { ApplyFacts } from "../policy/check-apply-policy.js";
import { approvingReviewers } from "../policy/count-approvals.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { headPushFacts } from "./head-push-facts.js";

/**
 * A pull request's facts with its reviews as GitHub has them now, for one project's gate: an
 * apply of several projects takes minutes, and an approval withdrawn meanwhile (changes
 * requested, a review dismissed) must stop the projects not yet applied, as a withdrawn `/apply`
 * does; so must an approver's write access taken away meanwhile, so each approver's permission is
 * asked again (a call per approver and project). The head's pusher is asked again only when no one
 * could count before (GitHub was not asked for the commit's accounts then).
 */
export async function withReviewsNow(
  deps: Pick<JobDeps, "store">,
  vcs: Pick<VcsClient, "reviews" | "permissionOf" | "commitUsers" | "branchPushesOf">,
  repo: RepoRef,
  pr: Pick<PullRequestInfo, "number" | "headSha" | "headRef" | "headRepo">,
  facts: ApplyFacts,
): Promise<ApplyFacts> {
  const reviews = await vcs.reviews(repo, pr.number);
  const approving = approvingReviewers(reviews);
  const permissions = new Map(facts.permissions);
  for (const user of approving) permissions.set(user.toLowerCase(), await vcs.permissionOf(repo, user));
  const asked = facts.headPush.known || facts.headPush.standIns.length > 0 || approving.length === 0;
  const headPush = asked ? facts.headPush : await headPushFacts(deps.store, vcs, repo, pr, approving);
  return { ...facts, reviews, permissions, headPush };
}

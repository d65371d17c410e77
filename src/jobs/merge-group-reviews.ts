import { headPushFacts } from "../authorization/head-push-facts.js";
import type { HeadPush, HeadPushStore } from "../model/head-push.js";
import { approvalsFrom } from "../policy/approvals-from.js";
import { approvingReviewers, countApprovals } from "../policy/count-approvals.js";
import type { Job } from "../model/job.js";
import type { Permission } from "../model/pull-request.js";
import { repoFullName } from "../model/repo.js";
import type { JobDeps } from "../job-context/job-deps.js";
import type { PlanRecord } from "../store/store.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import type { Actor } from "../model/person.js";
import { agentsByAccount, jobPeople } from "../policy/named-people.js";

// One login under two accounts (a pusher heard before a rename) is two planners, each asked.
const key = (a: Actor) => `${a.login.toLowerCase()}#${a.id ?? ""}`;

/**
 * Whose code and request a merge group's plan is: who queued it, and the author of each of its PRs
 * and whoever Sluice heard pushing its head (a push to another's PR is the pusher's code).
 */
export async function groupPlanners(
  vcs: VcsClient,
  store: Pick<HeadPushStore, "headPusherAccounts">,
  job: Job,
  actor: Actor,
  pulls: number[],
): Promise<Actor[]> {
  // With their account ids (the pushes' events gave them): `permissions` match accounts.
  const who = new Map<string, Actor>([[key(actor), actor]]);
  for (const number of pulls) {
    const { author, authorId, headSha } = await vcs.pullRequest(job.target.repo, number);
    const pushers = await store.headPusherAccounts(repoFullName(job.target.repo), number, headSha);
    for (const a of [{ login: author, ...(authorId !== undefined ? { id: authorId } : {}) }, ...pushers]) who.set(key(a), a);
  }
  return [...who.values()];
}

/**
 * Pending plans of the group's PRs that their reviewers approved (approvals of the PR's head given
 * after the plan or an identical re-plan, as `/apply` counts them): those are what the group must
 * not change.
 */
export async function approvedPlans(vcs: VcsClient, deps: JobDeps, job: Job, pulls: number[], approvals: number): Promise<PlanRecord[]> {
  const { repo } = job.target;
  const found: PlanRecord[] = [];
  for (const number of pulls) {
    const plans = await deps.store.pendingPlans(repoFullName(repo), number);
    if (plans.length === 0) continue;
    const pr = await vcs.pullRequest(repo, number);
    const reviews = await vcs.reviews(repo, number);
    const permissions = new Map<string, Permission>();
    for (const user of approvingReviewers(reviews)) permissions.set(user.toLowerCase(), await vcs.permissionOf(repo, user));
    // Asked once per PR, and only of a PR with a plan of its head: the pusher's approval does not count.
    let headPush: HeadPush | undefined;
    for (const plan of plans) {
      if (plan.headSha !== pr.headSha) continue;
      // Counted as `/apply` counts them: from the plan, or from an identical re-plan's first plan.
      const key = { dir: plan.dir, workspace: plan.workspace, project: plan.project };
      const { from } = approvalsFrom(await deps.store.planHistory(plan.repo, plan.pr, key, plan.headSha), plan);
      headPush ??= await headPushFacts(deps.store, vcs, repo, pr, approvingReviewers(reviews));
      const facts = {
        author: pr.author,
        headSha: pr.headSha,
        permissions,
        headPush,
        agents: await agentsByAccount(jobPeople(deps, vcs), deps.config.agents),
      };
      const { approvers } = countApprovals(reviews, facts, from);
      if (approvers.length >= Math.max(1, approvals)) found.push(plan);
    }
  }
  return found;
}

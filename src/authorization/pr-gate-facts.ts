import type { AskedBeforePlan } from "../model/gate.js";
import { authorOf } from "../model/person.js";
import type { RepoSettings } from "../config/repo-settings.js";
import { actorOf, type Job, actorIdField } from "../model/job.js";
import { agentsByAccount, jobPeople, namesAccount } from "../policy/named-people.js";
import type { Road } from "../model/gate.js";
import type { Project } from "../model/project.js";
import type { MergeBlockers, Permission, PullRequestInfo } from "../model/pull-request.js";
import type { GateFacts, RequirementFacts } from "../gate/gate-facts.js";
import { approvalsFrom } from "../policy/approvals-from.js";
import type { ApplyFacts } from "../policy/check-apply-policy.js";
import { mergeability } from "../policy/mergeability.js";
import type { CodeOwnerFacts } from "../policy/code-owners.js";
import { approvingReviewers, PUSHED_HEAD, WRITE_ACCESS } from "../policy/count-approvals.js";
import { requirementFacts } from "../gate/requirement-facts.js";
import { headPushNote } from "../model/head-push.js";
import type { PlanRecord } from "../store/store.js";
import { VcsError, type VcsClient } from "../vcs/vcs-client.js";
import { memberOfTeams } from "./apply-teams.js";
import { codeAgentFacts } from "./code-agent.js";
import { headCodeUsers, headPushFacts } from "./head-push-facts.js";
import { planRuleFacts } from "./plan-rule-facts.js";
import { destroyWhat, NOT_ALLOWED } from "../gate/destroy-words.js";
import type { JobDeps } from "../job-context/job-deps.js";

/** What GitHub says of a pull request's reviews, checks and the one who asked, gathered once per job. */
export async function gatherPrFacts(
  deps: Pick<JobDeps, "config" | "workspace" | "store" | "log">,
  vcs: VcsClient,
  job: Job,
  pr: PullRequestInfo,
  settings: Pick<RepoSettings, "applyTeams">,
  token: string,
  needs: { mergeable: boolean; undiverged: boolean; verified?: boolean },
): Promise<ApplyFacts> {
  const { repo } = job.target;
  const actor = job.spec.actor;
  const reviews = await vcs.reviews(repo, pr.number);
  const commenterPermission = await vcs.permissionOf(repo, actor);
  const permissions = new Map<string, Permission>();
  for (const user of approvingReviewers(reviews)) permissions.set(user.toLowerCase(), await vcs.permissionOf(repo, user));
  const mergeable = needs.mergeable
    ? mergeability(pr, pr.mergeableState === "blocked" ? await blockersOf(vcs, repo, pr) : undefined)
    : ({ ok: true } as const);
  const undiverged = needs.undiverged
    ? await deps.workspace.contains(repo, job.target.cloneUrl, token, { number: pr.number, baseRef: pr.baseRef, headSha: pr.headSha })
    : true;
  return {
    commenter: actor,
    commenterPermission,
    allowedByServer: await allowedByServer(deps, vcs, job, settings, commenterPermission),
    author: pr.author,
    headSha: pr.headSha,
    reviews,
    permissions,
    mergeable,
    undiverged,
    unverified: needs.verified ? await vcs.unverifiedCommits(repo, pr) : [],
    agents: await agentsByAccount(jobPeople(deps, vcs), deps.config.agents),
    headPush: await headPushFacts(deps.store, vcs, repo, pr, approvingReviewers(reviews)),
  };
}

/** Whether the server lets the job's actor apply beyond their repository permission: `apply_users`, or an apply team. */
async function allowedByServer(
  deps: Pick<JobDeps, "config" | "store" | "log">,
  vcs: VcsClient,
  job: Job,
  settings: Pick<RepoSettings, "applyTeams">,
  permission: Permission,
): Promise<boolean> {
  return (
    (await namesAccount(jobPeople(deps, vcs), deps.config.apply_users, actorOf(job.spec))) ||
    (!WRITE_ACCESS.has(permission) && (await memberOfTeams(vcs, settings.applyTeams, job.spec.actor)) !== undefined)
  );
}

/**
 * Who asked, as GitHub has them now, for one project's gate: an apply of several projects takes
 * minutes (and may wait long for a run lock), and a user whose access was taken away meanwhile
 * must apply nothing more, as a withdrawn approval or `/apply` comment does.
 */
export async function applierNow(
  deps: Pick<JobDeps, "config" | "store" | "log">,
  vcs: VcsClient,
  job: Job,
  settings: Pick<RepoSettings, "applyTeams">,
  facts: ApplyFacts,
): Promise<ApplyFacts> {
  const commenterPermission = await vcs.permissionOf(job.target.repo, job.spec.actor);
  return { ...facts, commenterPermission, allowedByServer: await allowedByServer(deps, vcs, job, settings, commenterPermission) };
}

/**
 * What blocks a PR; an answer GitHub will not change by being asked again (a permission the
 * installation lacks) refuses the apply with GitHub's words instead of failing the job.
 */
async function blockersOf(
  vcs: VcsClient,
  repo: Job["target"]["repo"],
  pr: Pick<PullRequestInfo, "number" | "baseRef">,
): Promise<MergeBlockers | { unread: string }> {
  try {
    const blockers = await vcs.mergeBlockers(repo, pr.number);
    const required = await vcs.requiredChecks(repo, pr.baseRef);
    const requiredApps = Object.fromEntries(required.flatMap((c) => (c.appId === undefined ? [] : [[c.name, c.appId]])));
    return { ...blockers, required: [...new Set(required.map((c) => c.name))], requiredApps };
  } catch (e) {
    if (e instanceof VcsError && !e.retryable) return { unread: e.message };
    throw e;
  }
}

/** A pull request's requirements for one project's plan (approvals counted from the plan, or an identical re-plan's start). */
export async function prRequirementFacts(
  deps: Pick<JobDeps, "store">,
  plan: PlanRecord,
  r: { requirements: RequirementFacts["requirements"]; approvalsNeeded: number; facts: ApplyFacts; codeOwners?: CodeOwnerFacts },
): Promise<RequirementFacts> {
  const history = await deps.store.planHistory(
    plan.repo,
    plan.pr,
    { dir: plan.dir, workspace: plan.workspace, project: plan.project },
    plan.headSha,
  );
  const since = approvalsFrom(history, plan);
  return requirementFacts({ ...r, approvalsFrom: since.from, changedSinceEarlier: since.changed });
}

/** The gate's facts for one plan on a PR road; the caller adds what it reads inside the run lock. */
export function prGateFacts(
  f: {
    road: Road;
    job: Job;
    pr: PullRequestInfo;
    plan: PlanRecord;
    project: Project;
    settings: Pick<RepoSettings, "allowDestroyFor">;
    merged: boolean;
  },
  rest: Pick<
    GateFacts,
    | "pause"
    | "actorAllowed"
    | "requirements"
    | "policies"
    | "permission"
    | "window"
    | "override"
    | "planRules"
    | "agents"
    | "identity"
    | "recordedAs"
  > & {
    clickedSha?: string;
    onClickedCheck?: boolean;
    askedBeforeHead?: { askedAt: string; pushedAt: string };
    askedBeforePlan?: AskedBeforePlan;
    inputs?: GateFacts["inputs"];
    stillPending: boolean;
    lockHeld: boolean;
    file: { ok: true } | { ok: false; reason: string };
  },
): GateFacts {
  const { plan, pr } = f;
  return {
    road: f.road,
    repo: plan.repo,
    project: f.project.name,
    // Who the project is, for the audit: what every rule was found by, not the PR's name for it.
    ...(rest.identity !== undefined ? { identity: rest.identity } : {}),
    ...(rest.recordedAs !== undefined ? { recordedAs: rest.recordedAs } : {}),
    number: pr.number,
    actor: f.job.spec.actor,
    pause: rest.pause,
    actorAllowed: rest.actorAllowed,
    permission: rest.permission,
    window: rest.window,
    override: rest.override,
    plan: {
      madeFor: { headSha: plan.headSha, baseSha: plan.baseSha },
      // At merge the base has moved by definition; the merge commit is re-planned and compared instead.
      live: { headSha: pr.headSha, baseSha: f.merged ? undefined : pr.baseSha },
      clickedSha: rest.clickedSha,
      onClickedCheck: rest.onClickedCheck,
      ...(rest.askedBeforeHead ? { askedBeforeHead: rest.askedBeforeHead } : {}),
      ...(rest.askedBeforePlan ? { askedBeforePlan: rest.askedBeforePlan } : {}),
      stillPending: rest.stillPending,
      file: rest.file,
      replan: "Comment `/plan` to plan again.",
      headOf: "pull request",
    },
    lock: { road: "pr", held: rest.lockHeld },
    requirements: rest.requirements,
    destroy: {
      destroys: plan.summary.destroyPlan === true,
      allowed: f.settings.allowDestroyFor(f.project),
      what: `${destroyWhat(plan.summary.teardown)}, ${NOT_ALLOWED}`,
    },
    policies: rest.policies,
    inputs: rest.inputs,
    planRules: rest.planRules,
    agents: rest.agents,
  };
}

/**
 * The plan rules and agents of one plan on a PR road: the trusted rules of the project, the
 * plan's stored content, an `--override-protect`, the approvals a `destroy:` rule counts, and
 * whether the pull request was proposed by an agent (its author, or whoever made the plan).
 */
export async function prPlanRuleFacts(
  deps: Pick<JobDeps, "config" | "store" | "log">,
  vcs: Pick<VcsClient, "teamMember" | "userId" | "commitUsers" | "branchPushesOf">,
  f: {
    job: Job;
    pr: PullRequestInfo;
    plan: PlanRecord;
    project: Project;
    settings: Pick<RepoSettings, "planRulesFor">;
    requirements: RequirementFacts | undefined;
    override?: { reason: string };
  },
): Promise<Pick<GateFacts, "planRules" | "agents">> {
  const r = f.requirements;
  const counted = r?.counted ?? { approvers: [], ignored: [] };
  const pushers = counted.ignored.filter((i) => i.why === PUSHED_HEAD).map((i) => i.user);
  const people = jobPeople(deps, vcs);
  const agents = await agentsByAccount(people, deps.config.agents);
  const planRules = await planRuleFacts(
    vcs,
    {
      repo: f.plan.repo,
      project: f.project.name,
      rules: f.settings.planRulesFor(f.project),
      summary: f.plan.summary,
      runner: f.plan.runner,
      actor: f.job.spec.actor,
      ...actorIdField(actorOf(f.job.spec).id),
      override: f.override,
      approvers: counted.approvers,
      ...(r && pushers.length ? { notCounted: headPushNote(r.facts.headPush, pushers) } : {}),
      agents,
    },
    people,
  );
  // An agent's push: its push event started the plan, so the plan's job names it; and a plan
  // someone else made of a head an agent pushed (a `/plan`, the re-plan of a released lock) is
  // the agent's code all the same: the head's pushers are asked too, heard or found on GitHub.
  if (deps.config.agents.length === 0) return { planRules };
  const planJob = await deps.store.getJob(f.plan.jobId);
  const planner = planJob ? actorOf(planJob.spec) : undefined;
  const at = { repo: f.job.target.repo, pr: { number: f.plan.pr, headSha: f.plan.headSha }, actor: actorOf(f.job.spec) };
  const author = authorOf(f.pr);
  const found = await codeAgentFacts({ config: deps.config, store: deps.store, people }, at, [author, planner], () =>
    headCodeUsers(deps.store, vcs, f.job.target.repo, f.pr),
  );
  return { planRules, ...(found ? { agents: found } : {}) };
}

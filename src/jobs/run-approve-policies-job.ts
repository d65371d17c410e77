import { policiesFor } from "../config/policies-for.js";
import { matchesFilter } from "../model/command.js";
import { actorOf, type SpecOf } from "../model/job.js";
import type { JobContext } from "../job-context/job-context.js";
import { askedBefore } from "../authorization/command-asked-at.js";
import { askedBeforeShown } from "../authorization/asked-before-plan.js";
import { repoFullName } from "../model/repo.js";
import { approvableSets, policyRules, policyStatus } from "../policy/policy-status.js";
import { inlineCode } from "../render/inline.js";
import { describePolicyApproval } from "../render/render-policy-approval.js";
import { authorizeCommand, replyRefused } from "../authorization/authorize-command.js";
import { projectPermission } from "../authorization/change-control-facts.js";
import { policyApprovalsOf, policyChecked, policyKeysOf } from "../authorization/plan-policy-fact.js";
import { reportPolicyCheck } from "./report-policy-check.js";
import { ALLOWED } from "../policy/decision.js";
import { isAgent } from "../policy/is-agent.js";
import { baseSettingsOf } from "../repo-reading/trusted-settings.js";
import { setsNaming, teamsOf } from "../authorization/policy-owners.js";
import { agentsByAccount, jobPeople } from "../policy/named-people.js";
import { headPushFacts } from "../authorization/head-push-facts.js";
import { pushedHead } from "../model/head-push.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { PlanRecord, Store } from "../store/store.js";
import { identicalEarlierPlans } from "../policy/approvals-from.js";

/** The key policy records of one plan are kept by. */
const keyOfPlan = (repo: string, p: { pr: number; planHash: string }) => ({ repo, pr: p.pr, planHash: p.planHash });

/**
 * `/approve_policies [-p|-d|-w] [--clear-policy-approval]`: a policy owner approves the failed
 * policy sets of the PR's current plans. Approvals are recorded per plan hash: a new plan needs
 * them again, unless it is identical to the approved one (see countingPolicyApprovals). Sets that could not be evaluated cannot be approved (they fail closed).
 */
export async function runApprovePoliciesJob(ctx: JobContext<SpecOf<"approve_policies">>): Promise<void> {
  const { job, deps, vcs } = ctx;
  const spec = job.spec;
  const pr = await vcs.pullRequest(job.target.repo, job.target.pr);
  const redact = ctx.secrets.redact;
  const reply = async (body: string, reaction: "+1" | "-1") => {
    await ctx.reply(`**Sluice approve_policies**\n\n${body}`);
    await vcs.react(job.target.repo, spec.commentId, reaction).catch(() => undefined);
  };
  const repo = repoFullName(job.target.repo);
  if (!deps.config.policies)
    return reply("Policy checks are not configured on this Sluice server (server setting `policies`): there is nothing to approve.", "-1");
  const rules = policyRules(policiesFor(deps.config, repo));
  if (rules.length === 0)
    return reply(`Policy checks do not apply to ${repo} (server setting \`policies.repos\`): there is nothing to approve.`, "-1");
  const plans = (await deps.store.pendingPlans(repo, pr.number)).filter(
    (p) => matchesFilter(p, spec.command.filter) && policyChecked(p.runner) && p.headSha === pr.headSha,
  );
  if (plans.length === 0)
    return reply("Nothing to approve: this pull request has no current plan that policies check. Comment `/plan` first.", "-1");

  if (spec.command.clear) return clearApprovals(ctx, pr, plans, reply);

  const actor = spec.actor;
  const people = jobPeople(deps, vcs);
  // An owners list (or an owning team) may name an agent: it approves nothing all the same.
  if (isAgent(actorOf(spec), await agentsByAccount(people, deps.config.agents)))
    return reply(
      `Not approved: @${actor} is an agent (server setting \`agents\`): an agent may open pull requests and plan, never apply, approve or override; a person among the policy owners approves.`,
      "-1",
    );
  const memberOf = await teamsOf(vcs, rules, job.target.repo.owner, actor);
  // Listed owners by account: a login an owner gave up and another account took approves nothing.
  const named = await setsNaming(people, rules, actorOf(spec));
  // Their own change: the pull request's, or the head's they pushed to another's (as reviews'
  // `approved` does not count the head's pusher), by account id where known: a login is renamed at
  // will. The pusher is looked for (on GitHub too) only where a set asks.
  // The author by account too: the comment carries the login it was written under, GitHub names
  // the author as they are called now, and an author who renamed in between is still the author.
  const self =
    actor.toLowerCase() === pr.author.toLowerCase() ||
    (spec.actorId !== undefined && spec.actorId === pr.authorId) ||
    (rules.some((r) => r.preventSelfApprove) &&
      pushedHead(await headPushFacts(deps.store, vcs, job.target.repo, pr, [actor]), actor, spec.actorId));
  const lines: string[] = [];
  let approved = 0;
  let refused = 0;
  let unseen = 0;
  // Found by who each planned project is on the base branch, never by the name the PR gave it.
  const settings = deps.config.permissions.length ? await baseSettingsOf(deps, vcs, job, pr) : undefined;
  for (const plan of plans) {
    const identity = settings?.identityOf({ name: plan.project, dir: plan.dir, workspace: plan.workspace });
    const allowed = identity ? await projectPermission(deps, vcs, identity, "approve_policies", actorOf(spec)) : ALLOWED;
    if (!allowed.allowed) {
      refused++;
      lines.push(`- ${inlineCode(plan.project)}: not approved: ${allowed.reasons.join("; ")}`);
      continue;
    }
    const key = keyOfPlan(repo, plan);
    const check = await deps.store.policyCheckOf(key);
    const sets = approvableSets(rules, check, named, memberOf, self);
    // An approval is for the plan its owner read: one made after the comment (a `/plan -- -var …`
    // or a push whose plan finished before this job ran) replaced it unseen and is not approved.
    const read = sets.approvable.length ? await planRead(deps.store, job, plan) : plan;
    if (!read) {
      refused++;
      unseen++;
      lines.push(
        `- ${inlineCode(plan.project)}: not approved: its current plan was planned after the \`/approve_policies\` comment, or shown after it (its plan job posts it when it ends), so it is not the plan that was read; review it and comment \`/approve_policies\` again`,
      );
      continue;
    }
    // Recorded for the plan read: an identical later one counts it where its failures are the same.
    const recorded = sets.approvable.length
      ? await deps.store.approvePolicies(keyOfPlan(repo, read), actor, sets.approvable, check, spec.actorId)
      : [];
    // Checked again alike (the same plan made again) with other failures since they were read here.
    const changed = sets.approvable.filter((set) => !recorded.includes(set));
    approved += recorded.length;
    refused += sets.notOwner.length + sets.selfBlocked.length + changed.length;
    const status = policyStatus(rules, check, await policyApprovalsOf(deps, vcs, plan, check));
    const parts = describePolicyApproval(rules, actor, { ...sets, approvable: recorded }, status, spec.actorId !== undefined);
    if (changed.length)
      parts.push(
        `${changed.map((set) => inlineCode(set)).join(", ")} not approved: checked again with other failures while this command ran; review them and comment \`/approve_policies\` again`,
      );
    lines.push(`- ${inlineCode(plan.project)} (${inlineCode(plan.dir)}, workspace ${inlineCode(plan.workspace)}): ${parts.join("; ")}`);
  }
  const head =
    approved > 0
      ? `@${actor} approved ${approved} failed policy set${approved === 1 ? "" : "s"} for this plan (a new plan with other changes needs approval again).`
      : unseen > 0 && unseen === refused
        ? "Not approved: the current plans were made after this comment."
        : refused > 0
          ? `Not approved: @${actor} may not approve the failed policy sets of these plans.`
          : "Nothing to approve: no policy set of these plans failed.";
  await reply(`${head}\n\n${lines.join("\n")}`, approved > 0 ? "+1" : "-1");
  if (approved > 0) await reportPolicyCheck(deps, vcs, job, pr, redact);
}

/**
 * The plan the comment's writer read: `plan` when it is older than the comment, else the newest
 * plan identical to it (the same head and changes) that was there when the comment was written (a
 * re-plan that changed nothing, made while the job waited); undefined when none was.
 */
async function planRead(
  store: Pick<Store, "planHistory" | "getJob" | "resultOf">,
  job: JobContext<SpecOf<"approve_policies">>["job"],
  plan: PlanRecord,
): Promise<PlanRecord | undefined> {
  // Shown is what counts: a plan saved while its job still planned other projects was not shown yet.
  const late = async (p: PlanRecord) =>
    !plannedBefore(p.createdAt, job.createdAt) || askedBefore(job, p.createdAt) || (await askedBeforeShown(store, job, p));
  if (!(await late(plan))) return plan;
  const key = { dir: plan.dir, workspace: plan.workspace, project: plan.project };
  for (const p of identicalEarlierPlans(await store.planHistory(plan.repo, plan.pr, key, plan.headSha), plan))
    if (!(await late(p))) return p;
  return undefined;
}

/** Whether a plan was saved before the command's job was (times the store wrote; unreadable: no). */
function plannedBefore(planCreatedAt: string, commentedAt: string): boolean {
  const planned = Date.parse(planCreatedAt);
  const commented = Date.parse(commentedAt);
  return Number.isFinite(planned) && Number.isFinite(commented) && planned <= commented;
}

/**
 * `--clear-policy-approval`: every approval of the plans' sets forgotten, the earlier identical
 * plans' records too (cleared means none count). Clearing only takes approvals away: anyone who
 * may apply may do it.
 */
async function clearApprovals(
  ctx: JobContext<SpecOf<"approve_policies">>,
  pr: PullRequestInfo,
  plans: PlanRecord[],
  reply: (body: string, reaction: "+1" | "-1") => Promise<void>,
): Promise<void> {
  const { job, deps, vcs } = ctx;
  const repo = repoFullName(job.target.repo);
  const who = await authorizeCommand(vcs, deps, job, "approve_policies --clear-policy-approval", "write");
  if (!who.allowed) return replyRefused(vcs, deps, job, `Nothing was cleared: ${who.reasons.join("; ")}.`);
  let cleared = 0;
  for (const p of plans) {
    // The reply counts the approvals that counted (an earlier plan's record of a set that fails
    // otherwise now never did); every record goes.
    const counted = await policyApprovalsOf(deps, vcs, p, await deps.store.policyCheckOf(keyOfPlan(repo, p)));
    cleared += new Set(counted.map((a) => `${a.policySet}\n${a.user.toLowerCase()}`)).size;
    for (const key of await policyKeysOf(deps, p)) await deps.store.clearPolicyApprovals(key);
  }
  await reportPolicyCheck(deps, vcs, job, pr, ctx.secrets.redact);
  return reply(
    `Cleared ${cleared} policy approval${cleared === 1 ? "" : "s"} of ${plans.length} plan${plans.length === 1 ? "" : "s"}.`,
    "+1",
  );
}

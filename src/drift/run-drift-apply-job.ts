import { agentsByAccount, jobPeople } from "../policy/named-people.js";
import { stateChangesOf } from "../gate/trusted-teardown.js";
import { join } from "node:path";
import { askedBeforePlan } from "../authorization/asked-before-plan.js";
import { type RepoSettings, repoSettings } from "../config/repo-settings.js";
import { loadRepoConfigs } from "../repo-reading/load-repo-configs.js";
import { readRepoTreeAt } from "../repo-reading/read-repo-tree.js";
import { matchesFilter } from "../model/command.js";
import { actorOf, type SpecOf, actorIdField } from "../model/job.js";
import type { JobContext } from "../job-context/job-context.js";
import { type Project, projectKey } from "../model/project.js";
import type { ShownPlan } from "../model/drift-issue.js";
import type { Checkout } from "../workspace/workspace.js";
import { repoFullName } from "../model/repo.js";
import { resolveProjects } from "../projects/resolve-projects.js";
import { PROJECT_DETECTORS } from "../../runners/registry.js";
import { escapeText } from "../render/escape-text.js";
import { longestBacktickRun } from "../render/fence.js";
import { inlineCode } from "../render/inline.js";
import { stripControl } from "../util/sanitize.js";
import { planFileHere } from "../tool-runs/plan-file-here.js";
import { removePlanCopy } from "../tool-runs/remove-plan-copy.js";
import { applyDriftPlan, type DriftApplyOutcome } from "./apply-drift-plan.js";
import { DRIFT_SLOT, driftPlanDir } from "./plan-default-head.js";
import { refusalText } from "../gate/decide.js";
import { passBeforeCheckout, passGate } from "../gate/pass-gate.js";
import { agentFacts, planRuleFacts } from "../authorization/plan-rule-facts.js";
import { recordDecision } from "../gate/record-decision.js";
import { inputsFact } from "../tool-runs/inputs-fact.js";
import { ALLOWED, combine, type Decision, refuse } from "../policy/decision.js";
import { commandStillAsked } from "../authorization/command-still-asked.js";
import { planPolicyFact } from "../authorization/plan-policy-fact.js";
import { changeControlFacts, verifiedHeadFact } from "../authorization/change-control-facts.js";
import { mayApplyDriftNow, mayRunDrift } from "./may-run-drift.js";
import { driftIssueOf } from "./drift-issue-of.js";
import { driftDestroyFact, markedTeardown, NO_REVIEWS_ON_DRIFT } from "./drift-destroy-fact.js";
import { checkoutDefaultHead } from "./checkout-default-head.js";

const short = (sha: string) => sha.slice(0, 7);

/**
 * `/apply` on a drift issue: applies exactly the plan the issue shows (made at the default branch
 * head, bound by its hash), under the project's run lock, for users with write access or in
 * `apply_users`. A drift issue has no reviews, so PR approval requirements do not apply.
 */
export async function runDriftApplyJob(ctx: JobContext<SpecOf<"drift-apply">>): Promise<void> {
  const { job, deps, vcs, secrets, reply } = ctx;
  const spec = job.spec;
  const { repo } = job.target;
  const name = repoFullName(repo);
  const number = job.target.pr;
  void vcs.react(repo, spec.commentId, "eyes").catch(() => undefined);
  const may = await mayRunDrift(deps, vcs, repo, actorOf(spec));
  const actorAllowed = may.ok ? ALLOWED : refuse(may.reason);
  const asked = { road: "drift-issue" as const, repo: name, number, actor: spec.actor };
  const early = await passBeforeCheckout(deps.store, asked, await deps.store.appliesPaused(), actorAllowed);
  if (!early.allowed) return reply(`${refusalText(early.reasons)}. Nothing was applied.`);

  const issue = await driftIssueOf(deps.store, vcs, repo, number);
  if (!issue.ok) {
    // No plan Sluice made is here: the gate's plan rule, recorded like its other refusals.
    await recordDecision(
      deps.store,
      { ...asked, project: "" },
      { allowed: false, rule: "plan", reasons: [issue.reason], road: asked.road },
    );
    return reply(`${refusalText([issue.reason])}.`);
  }
  const { project: projectName, shown } = issue;
  const { head, checkout } = await checkoutDefaultHead(ctx);
  const configs = await loadRepoConfigs(deps.workspace, repo, head.sha, head.sha, deps.config.repo_config_file);
  if (!configs.head.ok) return reply(`${refusalText([`${configs.head.file} on ${head.name} is invalid`])}. Nothing was applied.`);
  const tree = await readRepoTreeAt(deps.workspace, repo, head.sha, checkout.files);
  const all = resolveProjects(configs.head.config, tree, [], PROJECT_DETECTORS).all;
  // The default branch's head is the trusted commit: its projects are who they are.
  const settings = repoSettings(deps.config, name, configs.trusted, process.env, all, await deps.store.formerRepositoryNames(name));
  const project = all.find((p) => p.name === projectName);
  if (!project)
    return reply(`${refusalText([`project ${inlineCode(projectName)} is no longer configured on ${head.name}`])}. Nothing was applied.`);
  const found: IssueApply = { shown, head, checkout, all, settings, project, actorAllowed, asked };
  const outcome = await deps.store.runExclusive(projectKey(name, project), () => applyUnderRunLock(ctx, found));
  if ("refused" in outcome) {
    if (!outcome.decided)
      await recordDecision(
        deps.store,
        { ...asked, project: projectName },
        { allowed: false, rule: "plan", reasons: [outcome.refused], road: asked.road },
      );
    return reply(`${refusalText([outcome.refused])}. Nothing was applied.`);
  }
  if (!outcome.ok) {
    const output = stripControl(secrets.redact(outcome.output)).slice(-20_000);
    const fence = "`".repeat(Math.max(3, longestBacktickRun(output) + 1));
    return reply(
      `❌ Applying the plan of ${inlineCode(projectName)} failed: ${escapeText(outcome.message, 400)}\n\n${fence}\n${output}\n${fence}`,
    );
  }
  deps.log.info({ jobId: job.id, repo: name, project: projectName, issue: number }, "drift issue applied");
  // The issue stays open until a drift check sees the project back in line and closes it.
  await reply(
    `✅ Applied the plan of ${inlineCode(projectName)} made at ${short(head.sha)}: git's state is live again. The next drift check closes this issue.`,
  );
}

/** What the job found before it took the project's run lock: the issue's plan, the default branch's head and its project. */
interface IssueApply {
  shown: ShownPlan | undefined;
  head: { name: string; sha: string };
  checkout: Checkout;
  all: Project[];
  settings: RepoSettings;
  project: Project;
  actorAllowed: Decision;
  asked: { road: "drift-issue"; repo: string; number: number; actor: string };
}

/**
 * Under the project's run lock: the issue's plan checked, the gate's decision, the apply. Everything
 * is read here, so no drift check or apply of the project runs in between.
 */
async function applyUnderRunLock(
  ctx: JobContext<SpecOf<"drift-apply">>,
  { shown, head, checkout, all, settings, project, actorAllowed, asked }: IssueApply,
): Promise<DriftApplyOutcome | { refused: string; decided?: boolean }> {
  const { job, deps, vcs, secrets } = ctx;
  const spec = job.spec;
  const { repo } = job.target;
  const { repo: name, number } = asked;
  const projectName = project.name;
  const plan = (await deps.store.pendingPlans(name, number)).find((p) => p.project === projectName);
  if (!plan || !matchesFilter(plan, spec.command.filter)) {
    return {
      refused: `this issue has no current plan${plan ? " matching this command" : ""} (a newer drift check ran, or the project is back in line). Comment \`/drift -p ${projectName}\` to check again`,
    };
  }
  if (plan.dir !== project.dir || plan.workspace !== project.workspace)
    return { refused: `project ${inlineCode(projectName)} is no longer configured as it was planned` };
  // This replica's file of the plan, or a copy of the store's bytes: its hash is checked either way.
  const here = await planFileHere(
    deps.store,
    plan,
    join(driftPlanDir(deps.dataDir, repo, project), `apply-${job.id}-${plan.id}`),
    deps.planKey,
  );
  // This project's own lock (the whole dir's, or its name's), not a sibling named project's on its
  // dir and workspace: each has its own backend, and a pull request holding staging's lock may
  // apply staging while prod's drift is reconciled, as two pull requests may.
  const lock = await deps.store.lockOn(name, project.dir, project.workspace, settings.lockScopeFor(project));
  // The default branch's config is the trusted one.
  const scratchDir = driftPlanDir(deps.dataDir, repo, project);
  const where = { checkoutDir: checkout.dir, all, scratchDir, trustedProjects: all };
  const inputs = await inputsFact({ deps, job, settings, secrets, ...where }, plan.summary, project, new Set());
  // A teardown is held whichever Sluice saved the plan.
  const summary = markedTeardown(plan.summary);
  // By account too: an agent that renamed is still one.
  const agents = await agentsByAccount(jobPeople(deps, vcs), deps.config.agents);
  const decision = await passGate(deps.store, {
    ...asked,
    project: project.name,
    pause: await deps.store.appliesPaused(),
    // Who asked, as GitHub has them now (their access may have been taken away while this job
    // waited for the run lock), and that their comment still says it: deleted or edited while this
    // job waited for the run lock (a drift check of the project running), it applies nothing.
    actorAllowed: combine(actorAllowed, await mayApplyDriftNow(deps, vcs, repo, actorOf(spec)), await commandStillAsked(vcs, job)()),
    ...(await changeControlFacts(deps, vcs, settings.identityOf(project), {
      actor: spec.actor,
      ...actorIdField(spec.actorId),
      // A teardown needs the `destroy` permission where `permissions` name it, as on a pull request.
      actions: summary.destroyPlan ? ["apply", "destroy"] : ["apply"],
      override: spec.command.overrideWindow,
    })),
    plan: {
      madeFor: { headSha: plan.headSha },
      // Read now, under the run lock: the branch may have moved while this job waited for it.
      live: { headSha: (await vcs.defaultBranch(repo)).sha },
      // Made after the comment by another (a newer check): never seen by who asked.
      askedBeforePlan: await askedBeforePlan(deps.store, job, plan),
      // The plan the issue shows is the one that may be applied, nothing newer or older.
      stillPending: shown !== undefined && plan.planHash === shown.hash && plan.id === shown.id,
      file: here.ok ? { ok: true } : { ok: false, reason: here.reason },
      replan: `Comment \`/drift -p ${projectName}\` to check again.`,
      headOf: "default branch",
    },
    lock: { road: "drift", heldByPr: lock?.pr },
    verifiedHead: await verifiedHeadFact(vcs, repo, head.sha, settings.requirementsFor(project)),
    destroy: driftDestroyFact("drift-issue", summary, project, settings),
    policies: await planPolicyFact(deps, vcs, { ...plan, pr: DRIFT_SLOT }),
    inputs: inputs.fact,
    planRules: await planRuleFacts(
      vcs,
      {
        repo: name,
        project: project.name,
        rules: settings.planRulesFor(project),
        summary,
        runner: plan.runner,
        actor: spec.actor,
        ...actorIdField(spec.actorId),
        override: spec.command.overrideProtect,
        notCounted: NO_REVIEWS_ON_DRIFT,
        agents,
      },
      jobPeople(deps, vcs),
    ),
    agents: agentFacts({ agents }, actorOf(spec), []),
  });
  try {
    if (!decision.allowed) return { refused: decision.reasons.join("; "), decided: true };
    if (!here.ok) return { refused: here.reason };
    // The saved plan is marked used by the project runner, after the apply's start is recorded.
    return await applyDriftPlan({
      pass: decision.pass,
      deps,
      vcs,
      job,
      repo,
      project,
      settings,
      secrets,
      checkoutDir: checkout.dir,
      planFile: here.planFile,
      planHash: plan.planHash,
      commitSha: head.sha,
      defaultBranch: head.name,
      source: "drift-issue",
      inputs: inputs.inputs,
      planId: plan.id,
      number,
      actor: spec.actor,
      teardown: summary.destroyPlan === true,
      stateChanges: stateChangesOf(summary),
    });
  } finally {
    if (here.copyDir) await removePlanCopy(here.copyDir, deps.log);
  }
}

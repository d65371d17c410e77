import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { JobDeps } from "../job-context/job-deps.js";
import { withoutSecrets } from "../job-context/without-secrets.js";
import { policyView } from "../authorization/plan-policy-fact.js";
import { codeAgentFacts } from "../authorization/code-agent.js";
import { planContent } from "../gate/plan-content.js";
import { planRuleNotes } from "../gate/plan-rule-notes.js";
import { prTeardownOf } from "../gate/pr-teardown.js";
import { stateCountName } from "../config/trusted-identity.js";
import { peakTeardownOf, trustedDeleted } from "../gate/trusted-teardown.js";
import { actorOf, type Job } from "../model/job.js";
import type { PolicyCheck } from "../model/policy-check.js";
import type { ProjectResult } from "../model/project-result.js";
import type { Project } from "../model/project.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import { repoFullName } from "../model/repo.js";
import type { Checkout } from "../workspace/workspace.js";
import type { PlanFile } from "../store/store-records.js";
import { signPlan } from "../tool-runs/plan-signature.js";
import { planFileWarning, readPlanFile } from "../tool-runs/read-plan-file.js";
import { pullRequestStepVariables, type RunnerContext } from "../tool-runs/runner-request.js";
import type { PlanAt, ProjectRunner } from "../tool-runs/project-runner.js";
import type { ProjectRun } from "../tool-runs/run-projects.js";
import { inputsBeforePlan, type PlanInputs, runInputs, withInputRecords } from "../tool-runs/plan-inputs.js";
import { dataPaths } from "../workspace/data-paths.js";
import { type Actor, authorOf } from "../model/person.js";
import type { PeopleDeps } from "../policy/named-people.js";

/** The URL of another PR of the same repo, from this PR's URL. */
export function siblingPrUrl(htmlUrl: string, number: number): string {
  return htmlUrl.replace(/\/pull\/\d+$/, `/pull/${number}`);
}

export interface PlanContext {
  job: Job;
  deps: JobDeps;
  pr: PullRequestInfo;
  checkout: Checkout;
  baseDir?: string;
  run: RunnerContext;
  /** Where the project's tools run (the job's one project runner). */
  tools: ProjectRunner;
  extraArgs: string[];
  inputs: PlanInputs;
  /** Who asked (an autoplan: the PR's author), for the steps' variables. */
  actor: string;
  /** Whose code the head is (headCodeUsers), read once per job and only when asked. */
  codeUsers: () => Promise<readonly Actor[]>;
  /** The job's way to the accounts server settings name (the agents'). */
  people: PeopleDeps;
}

/** One project's plan, inside its run lock: lock, plan into a directory of its own, record. */
export async function planProject(ctx: PlanContext, project: Project, run: ProjectRun): Promise<ProjectResult> {
  const { job, deps, checkout } = ctx;
  const cannot = await ctx.tools.check(project, checkout.dir);
  if (cannot) return { project, status: "error", failedStep: cannot.failedStep, message: cannot.message, output: "" };
  const projectPlans = dataPaths.projectPlans(deps.dataDir, job.target.repo, job.target.pr, project);
  // Each plan run writes its own directory: a plan file, once recorded with its hash, is never rewritten.
  const dataDir = join(projectPlans, `plan-${job.id}-${Date.now().toString(36)}`);
  await mkdir(dataDir, { recursive: true });
  const inputs = await inputsBeforePlan(ctx.inputs, project, (chunk) => run.log.write(chunk));
  if (!inputs.ok) return { project, status: "error", failedStep: "inputs", message: inputs.error, output: "" };
  const locked = await lockForPlan(ctx, project);
  if (locked) return locked;
  const ran = await ctx.tools.plan(project, planAt(ctx, { dataDir, run, inputs: runInputs(inputs.resolved) }));
  const credentials = ran.credentials;
  if (!ran.ok) {
    const { message, failedStep, durationMs } = ran;
    const output = ran.output ?? "";
    return ran.refused
      ? { project, status: "refused", reason: message, output }
      : { project, status: "error", failedStep, message, output, durationMs, credentials };
  }
  const planned = ran.value;
  // What this plan's outputs will be: the values its dependents in this job are planned with.
  if (planned.outputs) ctx.inputs.produced.set(project.name, planned.outputs);
  const marked = withInputRecords(await markDestroy(ctx, project, planned), inputs.resolved);
  // The bytes go into the store too: whichever replica takes the `/apply` applies exactly them.
  const read = await readPlanFile(marked.planFile);
  if (!read.ok)
    return { project, status: "error", failedStep: "plan", message: read.reason, output: marked.output, durationMs: marked.durationMs };
  const file = read.file;
  const outcome = withWarning(marked, planFileWarning(file));
  if (!file.bytes) deps.log.warn({ jobId: job.id, project: project.name, bytes: file.size }, "plan file too large to keep in the store");
  await savePlanRecord(ctx, project, outcome, file);
  await removeOlderPlans(projectPlans, dataDir);
  const rules = await planRulesOnPlan(ctx, project, outcome.summary);
  return {
    project,
    status: "planned",
    summary: outcome.summary,
    output: outcome.output,
    durationMs: outcome.durationMs,
    policy: policyView(deps, outcome.policy),
    credentials,
    ...(rules.length ? { rules } : {}),
  };
}

/** The project's lock for this PR, or the refusal naming the PR that holds it (an audit event, as the gate's refusals are). */
async function lockForPlan(ctx: PlanContext, project: Project): Promise<ProjectResult | undefined> {
  const { job, deps, pr } = ctx;
  const repo = repoFullName(job.target.repo);
  const lock = await deps.store.takeLock(
    {
      repo,
      dir: project.dir,
      workspace: project.workspace,
      project: project.name,
      scope: ctx.run.settings.lockScopeFor(project),
      pr: pr.number,
    },
    job.target,
  );
  if (lock.ok) return undefined;
  const holder = lock.heldBy.pr;
  // A wait for a lock is an audit event (and a `lock-wait` notification), like the gate's refusals.
  await deps.store.recordAudit({
    actor: job.spec.actor,
    action: "lock-wait",
    repo,
    // Filed under the trusted identity's name, as the gate's decisions are: a rename hides nothing.
    project: ctx.run.settings.recordNameOf(project),
    pr: pr.number,
    detail: `plan waits for the lock held by #${holder}`,
  });
  return {
    project,
    status: "refused",
    reason: `locked by #${holder}: that pull request holds this project until it merges or closes, or \`/unlock\` is commented there (one closed after an apply of it failed or was cut short keeps it until \`/unlock\`). This PR will be planned again when the lock is released.`,
    link: { text: `#${holder}`, url: siblingPrUrl(pr.htmlUrl, holder) },
    output: "",
  };
}

/** Where and with what the project is planned: its own data dir, the job's arguments, the PR's step variables, the token's claims. */
function planAt(ctx: PlanContext, at: { dataDir: string; run: ProjectRun; inputs: PlanAt["inputs"] }): PlanAt {
  const { job, pr, checkout } = ctx;
  const repo = repoFullName(job.target.repo);
  return {
    checkoutDir: checkout.dir,
    baseCheckoutDir: ctx.baseDir,
    dataDir: at.dataDir,
    extraArgs: ctx.extraArgs,
    onOutput: (chunk) => at.run.log.write(chunk),
    stepVariables: pullRequestStepVariables({
      repo: job.target.repo,
      headRepo: pr.headRepo,
      number: pr.number,
      url: pr.htmlUrl,
      author: pr.author,
      headRef: pr.headRef,
      headSha: pr.headSha,
      baseRef: pr.baseRef,
      user: ctx.actor,
      extraArgs: ctx.extraArgs,
    }),
    inputs: at.inputs,
    claims: { repository: repo, pull_request: pr.number, head_sha: pr.headSha, base_ref: pr.baseRef, actor: job.spec.actor },
  };
}

/** The plan recorded with its file's bytes, signed (whichever replica takes the `/apply` applies exactly them), and its policy check. */
async function savePlanRecord(ctx: PlanContext, project: Project, outcome: PlannedOutcome, file: PlanFile): Promise<void> {
  const { job, deps, pr } = ctx;
  const repo = repoFullName(job.target.repo);
  const newPlan = {
    repo,
    pr: pr.number,
    project: project.name,
    dir: project.dir,
    workspace: project.workspace,
    runner: project.runner,
    headSha: pr.headSha,
    baseSha: pr.baseSha,
    planPath: outcome.planFile,
    planHash: file.sha256,
    summary: withoutSecrets(outcome.summary),
    jobId: job.id,
  };
  const saved = await deps.store.savePlan(newPlan, { ...file, mac: signPlan(deps.planKey, newPlan) });
  if (outcome.policy) await deps.store.savePolicyCheck({ repo, pr: pr.number, planHash: saved.planHash }, outcome.policy);
}

/** What the trusted plan rules say of the new plan; an agent's proposal is also an audit event. */
async function planRulesOnPlan(ctx: PlanContext, project: Project, summary: ProjectResultSummary): Promise<string[]> {
  const { deps, job, pr } = ctx;
  // Whoever pushed the head proposed its code, whoever asks for the plan (a person's `/plan` after
  // an agent's push, heard or not).
  const at = { repo: job.target.repo, pr, actor: actorOf(job.spec) };
  const author = authorOf(pr);
  const proposedBy = (await codeAgentFacts({ ...deps, people: ctx.people }, at, [author, actorOf(job.spec)], ctx.codeUsers))?.proposedBy;
  if (proposedBy) {
    await deps.store.recordAudit({
      actor: job.spec.actor,
      action: "agent-proposed",
      repo: repoFullName(job.target.repo),
      project: project.name,
      pr: pr.number,
      detail: `planned ${pr.headSha.slice(0, 7)}, proposed by agent @${proposedBy}: applying it needs a human's approval of this commit`,
    });
  }
  return planRuleNotes(ctx.run.settings.planRulesFor(project), planContent(summary, project.runner), proposedBy);
}

/** Earlier plan runs of the project are superseded now; nothing applies them (we hold the run lock). */
async function removeOlderPlans(projectPlans: string, keep: string): Promise<void> {
  for (const entry of await readdir(projectPlans).catch(() => [] as string[])) {
    const dir = join(projectPlans, entry);
    if (dir !== keep) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A teardown is recorded as a destroy plan on its summary, the comment, the check and the apply
 * gate all see it: a `-destroy` plan, or one that deletes most of what the project's state holds
 * (the runner read it from the plan: a PR deleting the project's code asks no flag), alone or with
 * what this pull request's earlier applies of the project deleted (the store's records of them),
 * or with what any apply since the project's last teardown took away. What the state holds is
 * never more than the live record's trusted count, read back after the project's last apply.
 */
async function markDestroy<T extends { summary: ProjectResultSummary }>(ctx: PlanContext, project: Project, outcome: T): Promise<T> {
  const { teardown, ...summary } = outcome.summary;
  if (ctx.extraArgs.includes("-destroy")) return { ...outcome, summary: { ...summary, destroyPlan: true } };
  if (!summary.deleted) return teardown ? { ...outcome, summary: { ...summary, destroyPlan: true, teardown } } : outcome;
  const { settings } = ctx.run;
  // Projects sharing a dir and workspace (each its own backend) are told apart by name.
  const countedAs = stateCountName(settings.baseProjects, project, settings.recordNameOf(project));
  const trusted = await ctx.deps.store.trustedStateCount(repoFullName(ctx.job.target.repo), project.dir, project.workspace, countedAs);
  const deleted = trustedDeleted(summary.deleted, trusted);
  const counted = { ...summary, deleted };
  const whole =
    (deleted.destroys * 2 > deleted.held ? deleted : undefined) ??
    (await withEarlierApplies(ctx, project, counted, countedAs)) ??
    peakTeardownOf(deleted, trusted);
  return { ...outcome, summary: whole ? { ...counted, destroyPlan: true, teardown: whole } : counted };
}

/** The plan's deletes with those this pull request already applied to the project (its dir and workspace). */
async function withEarlierApplies(
  ctx: PlanContext,
  project: Project,
  summary: Pick<ProjectResultSummary, "deleted" | "resources">,
  countedAs: string | undefined,
) {
  const repo = repoFullName(ctx.job.target.repo);
  const applied = await ctx.deps.store.appliedSummariesOfPr(repo, ctx.pr.number, project.dir, project.workspace, countedAs);
  return prTeardownOf(summary.deleted, applied, summary.resources);
}

/** A warning about the plan, shown with its summary in the comment. */
function withWarning<T extends { summary: ProjectResultSummary }>(outcome: T, warning: string | undefined): T {
  if (!warning) return outcome;
  return { ...outcome, summary: { ...outcome.summary, warnings: [...(outcome.summary.warnings ?? []), warning] } };
}

type ProjectResultSummary = Extract<ProjectResult, { status: "planned" }>["summary"];

/** What of a finished plan is recorded. */
interface PlannedOutcome {
  planFile: string;
  summary: ProjectResultSummary;
  policy?: PolicyCheck;
}

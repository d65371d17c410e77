import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { ignoredSettings, repoSettings } from "../config/repo-settings.js";
import type { Job } from "../model/job.js";
import type { ProjectResult } from "../model/project-result.js";
import type { Project } from "../model/project.js";
import { explainWhy } from "../projects/explain-why.js";
import { dependsOnNotes } from "./depends-on-notes.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import { repoFullName } from "../model/repo.js";
import { selectProjects } from "../projects/select-projects.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { dataPaths } from "../workspace/data-paths.js";
import type { Checkout } from "../workspace/workspace.js";
import { projectDirProblem } from "../workspace/project-dir.js";
import { authorizeCommand, replyRefused } from "./authorize-command.js";
import { offersApply } from "./check-actions.js";
import { newerPlanJob } from "./coalesce-plans.js";
import type { JobDeps } from "./job-deps.js";
import { loadRepoConfigs } from "./load-repo-configs.js";
import { untrustedSettings } from "../config/untrusted-settings.js";
import { planOrder } from "./plan-order.js";
import { createCommentPublisher } from "./publish-comments.js";
import { resolveCheckoutProjects } from "./resolve-checkout-projects.js";
import { scopeCheckout } from "./scope-checkout.js";
import { inOrder, type ProjectRun, runProjects } from "./run-projects.js";
import { planRequest, pullRequestStepVariables, type RunnerContext } from "./runner-request.js";
import { planFileWarning, readPlanFile } from "./read-plan-file.js";
import { signPlan } from "./plan-signature.js";
import { sandboxedExec } from "./sandboxed-exec.js";
import { type Secrets, secretsFor } from "./secrets.js";
import { usesAtlantisConfig } from "./uses-atlantis-config.js";
import { withoutSecrets } from "./without-secrets.js";
import { policyView } from "./plan-policy-fact.js";
import { reportPolicyCheck } from "./report-policy-check.js";
import { readCheckoutConfig } from "./read-checkout-config.js";
import { runPreHooks, runWorkflowHooks } from "./workflow-hooks.js";
import { trustedCommit } from "./trusted-commit.js";
import { projectPermission } from "./change-control-facts.js";
import { windowState } from "../gate/apply-windows.js";
import { inlineCode } from "../render/inline.js";
import { producersOutside, withDependents } from "../inputs/with-dependents.js";
import { inputsBeforePlan, type PlanInputs, planInputs, runInputs, withInputRecords } from "./plan-inputs.js";

type Publisher = ReturnType<typeof createCommentPublisher>;

const FORK_REFUSAL =
  "This pull request comes from a fork. A plan runs the PR's code on the Sluice server, so this server does not plan forks (server setting `allow_fork_prs`).";

/** A plan job: autoplan or `/plan`, from the live PR head to the rendered comment and check. */
export async function runPlanJob(job: Job, deps: JobDeps): Promise<void> {
  if (job.spec.kind !== "plan") throw new Error(`runPlanJob got a ${job.spec.kind} job`);
  const spec = job.spec;
  const vcs = await deps.vcsFor(job);
  const secrets = secretsFor(deps);
  const pr = await vcs.pullRequest(job.target.repo, job.target.pr);
  // `atlantis plan` is for repos moving from Atlantis; elsewhere another bot may own that word.
  if (spec.viaAtlantis && !(await usesAtlantisConfig(deps, job, vcs, pr))) return;
  const publisher = createCommentPublisher(vcs, deps, job, {
    command: "plan",
    headSha: pr.headSha,
    trigger: {
      text: spec.trigger === "autoplan" ? "autoplan" : spec.trigger === "rerun" ? "Re-run of sluice/plan" : (spec.commandLine ?? "/plan"),
      user: spec.actor,
    },
    maxComments: deps.config.max_comments,
    secrets,
  });
  const answer = (notice: string, tone: "refused" | "info") => publisher.publish({ state: "done", results: [], notice, tone });
  if (spec.trigger !== "autoplan") {
    // A plan is what a merge or `/apply` later applies: making one needs the permission first.
    const who = await authorizeCommand(vcs, deps, job, "plan", deps.config.plan_permission);
    if (!who.allowed) return replyRefused(vcs, deps, job, `Not planned: ${who.reasons.join("; ")}.`);
  }
  const newer = await newerPlanJob(deps.store, job);
  if (newer !== undefined) {
    if (spec.trigger === "autoplan") return;
    return answer(`Superseded by a newer \`/plan\` of this pull request (job ${newer}): only the newest one runs.`, "info");
  }
  if (spec.commentId) void vcs.react(job.target.repo, spec.commentId, "eyes").catch(() => undefined);
  // Progress, like the check updates: posted while the checkout runs (publish keeps the order).
  const queued = publisher.publish({ state: "queued", results: [] });
  // Awaited with the other progress posts; a job that ends before them must not leave it unhandled.
  queued.catch(() => undefined);
  const held: Checkout[] = [];
  try {
    await planPullRequest(job, deps, vcs, pr, publisher, secrets, held, queued);
  } catch (e) {
    await publisher.fault(e);
    throw e;
  } finally {
    for (const c of held) c.release();
  }
}

async function hold(held: Checkout[], pending: Promise<Checkout>): Promise<Checkout> {
  const checkout = await pending;
  held.push(checkout);
  return checkout;
}

async function done(publisher: Publisher, notice: string, failed = false): Promise<void> {
  await publisher.publish({ state: "done", results: [], notice, tone: failed ? "failed" : "info" });
  await publisher.check({ state: "done", results: [], notice, failed });
}

async function planPullRequest(
  job: Job,
  deps: JobDeps,
  vcs: VcsClient,
  pr: PullRequestInfo,
  publisher: Publisher,
  secrets: Secrets,
  /** Worktrees this job uses, released when it ends. */
  held: Checkout[],
  /** The queued comment, posting. */
  queued: Promise<void>,
): Promise<void> {
  if (job.spec.kind !== "plan") return;
  const spec = job.spec;
  const { repo } = job.target;
  if (pr.state !== "open") return done(publisher, "This pull request is closed: nothing was planned.");
  if (pr.headRepo !== repoFullName(repo) && !deps.config.allow_fork_prs) return done(publisher, FORK_REFUSAL);
  // GitHub calls that only report progress overlap the fetch and the plans instead of delaying them.
  // `/plan --why` plans nothing: the check keeps what the last plan reported.
  const progress: Promise<unknown>[] = [queued, ...(spec.command?.why ? [] : [publisher.check({ state: "queued", results: [] })])];
  const reported = async () => {
    await Promise.all(progress);
  };
  for (const p of progress) p.catch(() => undefined);

  const token = await vcs.cloneToken();
  secrets.add([token]);
  const checkoutAt = (headSha: string, baseSha: string, sparse = false) =>
    hold(
      held,
      deps.workspace.checkout({ repo, cloneUrl: job.target.cloneUrl, token, pr: pr.number, headSha, baseSha, baseRef: pr.baseRef, sparse }),
    );
  // The PR's own worktree holds only what its plans read (scopeCheckout, once they are known).
  const checkout = await checkoutAt(pr.headSha, pr.baseSha, deps.config.sparse_checkout);
  const hookFacts = {
    command: "plan",
    pr,
    repo,
    user: spec.actor,
    commentArgs: spec.command?.extraArgs ?? [],
    projectName: spec.command?.filter.project,
  };
  const hooks = await runPreHooks({ deps, job, checkout, secrets, facts: hookFacts });
  if (hooks.refusal) return done(publisher, hooks.refusal, true);
  const hooked = hooks.ran > 0;
  const trusted = await trustedCommit(deps, vcs, repo, pr, pr.baseSha);
  const configs = await loadRepoConfigs(deps.workspace, repo, pr.headSha, trusted, deps.config.repo_config_file, pr.baseRef);
  // After a hook, the project list is what it left in the checkout (still the PR's, never trusted).
  const head = hooked ? await readCheckoutConfig(checkout.dir, deps.config.repo_config_file) : configs.head;
  if (!head.ok) {
    const { file, errors } = head;
    return done(publisher, `${file} is invalid; nothing was planned. Fix it and push again:\n${errors.join("\n")}`, true);
  }
  const config = head.config;
  const settings = repoSettings(deps.config, repoFullName(repo), configs.trusted);
  const warnings = [
    ...config.warnings,
    ...configs.warnings,
    ...ignoredSettings(deps.config, config),
    ...untrustedSettings(config, configs.trusted),
  ];

  const resolved = await resolveCheckoutProjects(deps, repo, checkout, config);
  const strict = config.projects.length > 0 && !config.autodiscover.enabled;
  const selection = spec.command
    ? selectProjects(resolved.all, resolved.affected, spec.command.filter, { strictWorkspaces: strict })
    : { projects: withDependents(resolved.all, resolved.affected) };
  if ("error" in selection) return done(publisher, selection.error, true);
  const projects = selection.projects;
  // `/plan --why`: the reasons in the reply, and nothing planned or locked; the check keeps what
  // the last plan reported.
  if (spec.command?.why) {
    await publisher.publish({ state: "done", results: [], notice: explainWhy(projects, checkout.changedFiles), tone: "info" });
    return;
  }
  if (projects.length === 0) {
    return done(publisher, withWarnings("No project is affected by the changes in this pull request.", warnings));
  }
  // atlantis.yaml: Atlantis' meaning (depends_on gates applies only); .sluice.yaml keeps its own
  // (plans in dependency order, a failed dependency stops its dependents' plans).
  const order = planOrder(config, resolved.all, projects, { plan: config.source === "atlantis.yaml" });
  if (!order.ok) return done(publisher, `The project graph in ${config.source} is invalid: ${order.error}`, true);

  await supersedeOutdatedPlans(deps, job, pr, spec.command ? undefined : projects);
  await scopeCheckout(deps, repo, checkout, resolved.tree, [...projects, ...producersOutside(resolved.all, projects)], {
    enabled: settings.sparseCheckout && !hooked,
    customWorkflow: (p) => settings.workflowFor(p).workflow !== undefined,
    extraArgs: spec.command?.extraArgs,
  });

  progress.push(
    publisher.publish({ state: "running", results: [], pending: projects.map((p) => p.name) }),
    publisher.check({ state: "running", results: [], pending: projects.map((p) => p.name) }),
  );
  for (const p of progress) p.catch(() => undefined);

  // Helm and Kustomize plans diff renders: they need the tree the PR's changes start from.
  const needsBase = projects.some((p) => deps.runners[p.runner]?.needsBase);
  const baseDir = needsBase ? (await checkoutAt(checkout.mergeBase, checkout.mergeBase)).dir : undefined;
  const sensitive: string[] = [];
  const inputs = planInputs(deps, job, settings, secrets, {
    checkoutDir: checkout.dir,
    all: resolved.all,
    scratchDir: dataPaths.prPlans(deps.dataDir, repo, pr.number),
    trustedProjects: configs.trusted?.projects,
  });
  const ctx: PlanContext = {
    job,
    deps,
    pr,
    checkout,
    baseDir,
    run: { deps, settings, secrets },
    extraArgs: spec.command?.extraArgs ?? [],
    inputs,
  };
  const results = await runProjects({
    deps,
    job,
    repo: repoFullName(repo),
    order,
    parallel: settings.parallelPlan,
    verb: "plan",
    step: async (project, run) => {
      // The server's per-project `permissions` may name who may plan a project (an autoplan is the PR author's).
      const may = await projectPermission(deps, vcs, repo, project.name, "plan", spec.actor);
      if (!may.allowed) return { project, status: "refused" as const, reason: may.reasons.join("; "), output: "" };
      const result = await planProject(ctx, project, run);
      if (result.status === "planned") sensitive.push(...result.summary.sensitiveValues);
      return result;
    },
  });

  // Sensitive values are known only once each plan is shown: everything posted is redacted with all of them.
  secrets.add(sensitive);
  const post = await runWorkflowHooks("post", { deps, job, checkout, secrets, facts: hookFacts });
  if (!post.ok) warnings.push(`⚠️ ${post.line} (the plans above are unaffected; the hook's output is in the job log)`);
  // Plans run at any time; the comment says when a project closed by a window or freeze may next be applied.
  const windows = projects.flatMap((p) => {
    const w = windowState(deps.config.apply_windows, deps.config.freezes, repoFullName(repo), p.name, new Date());
    return w.open ? [] : [`⏰ ${inlineCode(p.name)} may not be applied now: ${w.why}${w.opensAt ? `; next from ${w.opensAt}` : ""}.`];
  });
  const gates = config.source === "atlantis.yaml" ? dependsOnNotes(config, projects) : [];
  const notes = [...windows, ...gates];
  const notice = warnings.length || notes.length ? [...notes, withWarnings("", warnings)].filter((t) => t !== "").join("\n") : undefined;
  await reported();
  const ordered = inOrder(projects, results);
  await publisher.final({ state: "done", results: ordered, notice, applyButton: offersApply(settings, ordered) });
  await reportPolicyCheck(deps, vcs, job, pr, secrets.redact);
}

function withWarnings(text: string, warnings: string[]): string {
  if (!warnings.length) return text;
  return `${text}${text ? " " : ""}Configuration warnings:\n${warnings.join("\n")}`;
}

/**
 * A plan at an older head can never be applied (apply checks the live head), but it is marked
 * superseded at once so nothing lists it; in an autoplan, projects no longer affected lose theirs.
 */
async function supersedeOutdatedPlans(deps: JobDeps, job: Job, pr: PullRequestInfo, affected?: Project[]) {
  const repo = repoFullName(job.target.repo);
  const pending = await deps.store.pendingPlans(repo, pr.number);
  const stale = pending.filter(
    (p) =>
      p.headSha !== pr.headSha ||
      (affected !== undefined && !affected.some((a) => a.dir === p.dir && a.workspace === p.workspace && a.name === p.project)),
  );
  if (stale.length) await deps.store.supersedePlans(repo, pr.number, stale);
}

/** The URL of another PR of the same repo, from this PR's URL. */
export function siblingPrUrl(htmlUrl: string, number: number): string {
  return htmlUrl.replace(/\/pull\/\d+$/, `/pull/${number}`);
}

interface PlanContext {
  job: Job;
  deps: JobDeps;
  pr: PullRequestInfo;
  checkout: Checkout;
  baseDir?: string;
  run: RunnerContext;
  extraArgs: string[];
  inputs: PlanInputs;
}

/** One project's plan, inside its run lock: lock, plan into a directory of its own, record. */
async function planProject(ctx: PlanContext, project: Project, run: ProjectRun): Promise<ProjectResult> {
  const { job, deps, pr, checkout } = ctx;
  const runner = deps.runners[project.runner];
  if (!runner) {
    const message = `no runner for ${project.runner} projects on this server`;
    return { project, status: "error", failedStep: "runner", message, output: "" };
  }
  const repo = repoFullName(job.target.repo);
  const dirProblem = await projectDirProblem(checkout.dir, project.dir);
  if (dirProblem) return { project, status: "error", failedStep: "checkout", message: dirProblem, output: "" };
  const projectPlans = dataPaths.projectPlans(deps.dataDir, job.target.repo, job.target.pr, project);
  // Each plan run writes its own directory: a plan file, once recorded with its hash, is never rewritten.
  const dataDir = join(projectPlans, `plan-${job.id}-${Date.now().toString(36)}`);
  await mkdir(dataDir, { recursive: true });
  const inputs = await inputsBeforePlan(ctx.inputs, project, (chunk) => run.log.write(chunk));
  if (!inputs.ok) return { project, status: "error", failedStep: "inputs", message: inputs.error, output: "" };
  const built = planRequest(
    ctx.run,
    project,
    {
      checkoutDir: checkout.dir,
      baseCheckoutDir: ctx.baseDir,
      dataDir,
      extraArgs: ctx.extraArgs,
      onOutput: (chunk) => run.log.write(chunk),
      stepVariables: pullRequestStepVariables({
        repo: job.target.repo,
        headRepo: pr.headRepo,
        number: pr.number,
        url: pr.htmlUrl,
        author: pr.author,
        headRef: pr.headRef,
        headSha: pr.headSha,
        baseRef: pr.baseRef,
        user: job.spec.kind === "plan" ? job.spec.actor : pr.author,
        extraArgs: ctx.extraArgs,
      }),
    },
    runInputs(inputs.resolved),
  );
  if (!built.ok) return built.result;
  const sandboxed = sandboxedExec(deps, job, project, {
    // The base checkout is writable too: `helm dependency build` of the base chart writes its charts/.
    writable: [checkout.dir, ctx.baseDir, dataDir],
    // conftest reads the server's policy dirs (read-only; only plans that are policy-checked see them).
    readable: [ctx.run.settings.kubeconfig, ...(built.request.policyCheck?.sets.map((s) => s.path) ?? [])],
    settings: ctx.run.settings,
  });
  if (!sandboxed.ok) return { project, status: "refused", reason: sandboxed.reason, output: "" };
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
  if (!lock.ok) {
    const holder = lock.heldBy.pr;
    // A wait for a lock is an audit event (and a `lock-wait` notification), like the gate's refusals.
    await deps.store.recordAudit({
      actor: job.spec.actor,
      action: "lock-wait",
      repo,
      project: project.name,
      pr: pr.number,
      detail: `plan waits for the lock held by #${holder}`,
    });
    return {
      project,
      status: "refused",
      reason: `locked by #${holder}: that pull request holds this project until it merges or closes, or \`/unlock\` is commented there. This PR will be planned again when the lock is released.`,
      link: { text: `#${holder}`, url: siblingPrUrl(pr.htmlUrl, holder) },
      output: "",
    };
  }
  const planned = await runner.plan(built.request, sandboxed.exec);
  if (!planned.ok) {
    const { failedStep, message, output, durationMs } = planned;
    return { project, status: "error", failedStep, message, output, durationMs };
  }
  // What this plan's outputs will be: the values its dependents in this job are planned with.
  if (planned.outputs) ctx.inputs.produced.set(project.name, planned.outputs);
  const marked = withInputRecords(markDestroy(planned, ctx.extraArgs), inputs.resolved);
  // The bytes go into the store too: whichever replica takes the `/apply` applies exactly them.
  const read = await readPlanFile(marked.planFile);
  if (!read.ok)
    return { project, status: "error", failedStep: "plan", message: read.reason, output: marked.output, durationMs: marked.durationMs };
  const file = read.file;
  const outcome = withWarning(marked, planFileWarning(file));
  if (!file.bytes) deps.log.warn({ jobId: job.id, project: project.name, bytes: file.size }, "plan file too large to keep in the store");
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
  await removeOlderPlans(projectPlans, dataDir);
  return {
    project,
    status: "planned",
    summary: outcome.summary,
    output: outcome.output,
    durationMs: outcome.durationMs,
    policy: policyView(deps, outcome.policy),
  };
}

/** Earlier plan runs of the project are superseded now; nothing applies them (we hold the run lock). */
async function removeOlderPlans(projectPlans: string, keep: string): Promise<void> {
  for (const entry of await readdir(projectPlans).catch(() => [] as string[])) {
    const dir = join(projectPlans, entry);
    if (dir !== keep) await rm(dir, { recursive: true, force: true });
  }
}

/** A `-destroy` plan is recorded as one on its summary: the comment, the check and the apply gate all see it. */
function markDestroy<T extends { summary: ProjectResultSummary }>(outcome: T, extraArgs: string[]): T {
  return extraArgs.includes("-destroy") ? { ...outcome, summary: { ...outcome.summary, destroyPlan: true } } : outcome;
}

/** A warning about the plan, shown with its summary in the comment. */
function withWarning<T extends { summary: ProjectResultSummary }>(outcome: T, warning: string | undefined): T {
  if (!warning) return outcome;
  return { ...outcome, summary: { ...outcome.summary, warnings: [...(outcome.summary.warnings ?? []), warning] } };
}

type ProjectResultSummary = Extract<ProjectResult, { status: "planned" }>["summary"];

import { dirname, join } from "node:path";
import { type RepoSettings, repoSettings } from "../config/repo-settings.js";
import { matchesFilter } from "../model/command.js";
import type { Job } from "../model/job.js";
import type { ProjectResult } from "../model/project-result.js";
import type { Project } from "../model/project.js";
import type { Permission, PullRequestInfo } from "../model/pull-request.js";
import type { RepoConfig } from "../model/repo-config.js";
import { repoFullName } from "../model/repo.js";
import { type ApplyFacts, checkApplier, checkRequirements, mergeability } from "../policy/check-apply-policy.js";
import { checkPlanGates } from "../policy/check-plan-gates.js";
import { planPolicyFact } from "./plan-policy-fact.js";
import { checkAppliesPaused } from "../policy/check-applies-paused.js";
import { compareChanges } from "../policy/compare-changes.js";
import { approvingReviewers, WRITE_ACCESS } from "../policy/count-approvals.js";
import type { Decision } from "../policy/decision.js";
import { toProject } from "../projects/resolve-projects.js";
import type { PlanRecord } from "../store/store.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import type { Checkout } from "../workspace/git-workspace.js";
import { dataPaths } from "../workspace/data-paths.js";
import { memberOfTeams } from "./apply-teams.js";
import { gatherCodeOwners } from "./gather-code-owners.js";
import { authorizeCommand } from "./authorize-command.js";
import type { JobDeps } from "./job-deps.js";
import { type HeadConfig, loadRepoConfigs } from "./load-repo-configs.js";
import { planOrder } from "./plan-order.js";
import { planFileHere } from "./plan-file-here.js";
import { removePlanCopy } from "./remove-plan-copy.js";
import { createCommentPublisher } from "./publish-comments.js";
import { recordLiveApply } from "./drift/record-live-apply.js";
import { reportUnappliedAtMerge } from "./report-unapplied-at-merge.js";
import { readRepoTreeAt } from "./read-repo-tree.js";
import { resolveCheckoutProjects } from "./resolve-checkout-projects.js";
import { scopeCheckout } from "./scope-checkout.js";
import { inOrder, type ProjectRun, runProjects } from "./run-projects.js";
import { applyRequest, planRequest } from "./runner-request.js";
import { type Secrets, secretsFor } from "./secrets.js";
import { sandboxedExec } from "./sandboxed-exec.js";

type Publisher = ReturnType<typeof createCommentPublisher>;

const repoName = (job: Job) => repoFullName(job.target.repo);

/** The project a plan was made for, with its settings from the head's config when it has any. */
function projectFor(plan: PlanRecord, config: RepoConfig | undefined): Project {
  const configured = config?.projects.find((p) => p.name === plan.project && p.dir === plan.dir && p.workspace === plan.workspace);
  if (configured) return toProject(configured);
  return { name: plan.project, dir: plan.dir, workspace: plan.workspace, runner: plan.runner as Project["runner"] };
}

interface ApplyContext {
  job: Job;
  deps: JobDeps;
  vcs: VcsClient;
  pr: PullRequestInfo;
  token: string;
  head: Checkout;
  secrets: Secrets;
  settings: RepoSettings;
  headConfig: HeadConfig;
  /** Apply on merge: the merge commit and its checkout. */
  merge?: { sha: string; checkout: Checkout };
  /** The commit whose config and CODEOWNERS decide: the base branch (before the merge, on merge). */
  trustedSha?: string;
}

/** `/apply` (or apply on merge): only saved plans of the live head and base, for allowed users. */
export async function runApplyJob(job: Job, deps: JobDeps): Promise<void> {
  if (job.spec.kind !== "apply") throw new Error(`runApplyJob got a ${job.spec.kind} job`);
  const { repo } = job.target;
  const vcs = await deps.vcsFor(job);
  const secrets = secretsFor(deps);
  // The live head, never the payload's: a push after the comment makes the plan stale.
  const pr = await vcs.pullRequest(repo, job.target.pr);
  if (job.spec.trigger !== "merge" && !job.spec.viaAtlantis) {
    // Who asked is checked before anything is cloned: a user without access gets nothing run.
    const who = await authorizeCommand(vcs, deps, job, "apply", "write");
    // A base branch's `apply_teams` is known only after the clone: then the applier check below decides.
    const repoTeams = deps.config.allowed_overrides.includes("apply_teams");
    if (!who.allowed && !repoTeams)
      return refuseAll(publisherFor(vcs, deps, job, pr, false, secrets), `Not applied: ${who.reasons.join("; ")}.`);
  }
  const token = await vcs.cloneToken();
  secrets.add([token]);
  const held: Checkout[] = [];
  const checkoutAt = async (sha: string, baseSha: string) => {
    const c = await deps.workspace.checkout({
      repo,
      cloneUrl: job.target.cloneUrl,
      token,
      pr: pr.number,
      headSha: sha,
      baseSha,
      baseRef: pr.baseRef,
      // What the applies read is written once the plans to apply are known (scopeCheckout).
      sparse: deps.config.sparse_checkout,
    });
    held.push(c);
    return c;
  };
  try {
    await applyWith(job, deps, vcs, pr, token, secrets, checkoutAt);
  } finally {
    for (const c of held) c.release();
  }
}

function publisherFor(vcs: VcsClient, deps: JobDeps, job: Job, pr: PullRequestInfo, merged: boolean, secrets: Secrets): Publisher {
  const spec = job.spec.kind === "apply" ? job.spec : undefined;
  return createCommentPublisher(vcs, deps, job, {
    command: "apply",
    headSha: pr.headSha,
    trigger: {
      text: merged ? "apply on merge" : spec?.trigger === "button" ? "Apply button of sluice/plan" : (spec?.commandLine ?? "/apply"),
      user: job.spec.actor,
    },
    maxComments: deps.config.max_comments,
    secrets,
  });
}

async function applyWith(
  job: Job,
  deps: JobDeps,
  vcs: VcsClient,
  pr: PullRequestInfo,
  token: string,
  secrets: Secrets,
  checkoutAt: (sha: string, baseSha: string) => Promise<Checkout>,
): Promise<void> {
  if (job.spec.kind !== "apply") return;
  const spec = job.spec;
  const { repo } = job.target;

  let merge: ApplyContext["merge"];
  let trustedSha = pr.baseSha;
  if (spec.trigger === "merge") {
    if (!spec.mergeSha) throw new Error("the merge event carried no merge commit");
    merge = { sha: spec.mergeSha, checkout: await checkoutAt(spec.mergeSha, spec.mergeSha) };
    // The config that decides is the base branch before this merge, not what the PR brought in.
    trustedSha = await deps.workspace.firstParent(repo, spec.mergeSha);
  }
  const head = await checkoutAt(pr.headSha, pr.baseSha);
  const configs = await loadRepoConfigs(deps.workspace, repo, pr.headSha, trustedSha, deps.config.repo_config_file);
  const settings = repoSettings(deps.config, repoName(job), configs.trusted);
  if (merge && settings.applyOn !== "merge")
    return reportUnappliedAtMerge(job, deps, vcs, pr, configs.head.ok ? configs.head.config : undefined);
  if (spec.viaAtlantis) {
    // Ours when atlantis.yaml configures the repo, also when it is broken: then the answer is its errors.
    const atlantis =
      deps.config.atlantis_prefix === "always" ||
      (configs.head.ok ? configs.head.config.source === "atlantis.yaml" : configs.head.file === "atlantis.yaml");
    if (!atlantis) return;
    const who = await authorizeCommand(vcs, deps, job, "apply", "write");
    if (!who.allowed) return refuseAll(publisherFor(vcs, deps, job, pr, false, secrets), `Not applied: ${who.reasons.join("; ")}.`);
  }

  if (spec.commentId) await vcs.react(repo, spec.commentId, "eyes").catch(() => undefined);
  const publisher = publisherFor(vcs, deps, job, pr, merge !== undefined, secrets);
  await publisher.publish({ state: "queued", results: [] });
  const op = await deps.store.beginPrOperation(repoName(job), pr.number, "apply", job.id);
  if (!op.ok) {
    const notice = "An apply is already in progress for this pull request; this command was not run. Wait for it to finish.";
    await publisher.publish({ state: "done", results: [], notice, tone: "refused" });
    return;
  }
  const ctx: ApplyContext = { job, deps, vcs, pr, token, head, secrets, settings, headConfig: configs.head, merge, trustedSha };
  try {
    await applyPullRequest(ctx, publisher);
  } catch (e) {
    await publisher.fault(e);
    throw e;
  } finally {
    await deps.store.endPrOperation(repoName(job), pr.number, "apply");
  }
}

/** A refusal is the job's final answer too: kept like a result, so a replica dying now leaves no "interrupted" behind. */
async function refuseAll(publisher: Publisher, notice: string): Promise<void> {
  await publisher.final({ state: "done", results: [], notice, tone: "refused", failed: true });
}

async function gatherFacts(ctx: ApplyContext, needs: { mergeable: boolean; undiverged: boolean }): Promise<ApplyFacts> {
  const { job, deps, vcs, pr } = ctx;
  const { repo } = job.target;
  const actor = job.spec.actor;
  const reviews = await vcs.reviews(repo, pr.number);
  const commenterPermission = await vcs.permissionOf(repo, actor);
  const permissions = new Map<string, Permission>();
  for (const user of approvingReviewers(reviews)) permissions.set(user.toLowerCase(), await vcs.permissionOf(repo, user));
  const mergeable = needs.mergeable ? mergeability(pr, await vcs.checkRuns(repo, pr.headSha)) : ({ ok: true } as const);
  const undiverged = needs.undiverged
    ? await deps.workspace.contains(repo, job.target.cloneUrl, ctx.token, { number: pr.number, baseRef: pr.baseRef, headSha: pr.headSha })
    : true;
  return {
    commenter: actor,
    commenterPermission,
    allowedByServer:
      deps.config.apply_users.some((u) => u.toLowerCase() === actor.toLowerCase()) ||
      (!WRITE_ACCESS.has(commenterPermission) && (await memberOfTeams(vcs, ctx.settings.applyTeams, actor)) !== undefined),
    author: pr.author,
    headSha: pr.headSha,
    reviews,
    permissions,
    mergeable,
    undiverged,
  };
}

async function applyPullRequest(ctx: ApplyContext, publisher: Publisher): Promise<void> {
  const { job, deps, pr, secrets, settings } = ctx;
  if (job.spec.kind !== "apply") return;
  const spec = job.spec;
  const repo = repoName(job);
  const merged = ctx.merge !== undefined;
  if (!merged && pr.state !== "open") return refuseAll(publisher, "This pull request is closed: nothing was applied.");
  if (!ctx.headConfig.ok) {
    const { file, errors } = ctx.headConfig;
    return refuseAll(publisher, `${file} is invalid; nothing was applied. Fix it and push again:\n${errors.join("\n")}`);
  }
  const config = ctx.headConfig.config;
  // The emergency brake (console, admins): no apply runs while it is on.
  const paused = checkAppliesPaused(await deps.store.appliesPaused());
  if (!paused.allowed) return refuseAll(publisher, paused.reasons.join(" "));

  const plans = (await deps.store.pendingPlans(repo, pr.number)).filter((p) => matchesFilter(p, spec.command?.filter));
  if (plans.length === 0) {
    const what = spec.command?.filter && Object.keys(spec.command.filter).length ? " matching this command" : "";
    return refuseAll(
      publisher,
      `Nothing to apply: this pull request has no current plan${what}. Comment \`/plan\` first, then \`/apply\`.`,
    );
  }
  const projectOf = new Map(plans.map((p) => [p.id, projectFor(p, config)]));
  const planOf = new Map(plans.map((p) => [projectOf.get(p.id) as Project, p]));
  const requirementsOf = (p: PlanRecord) => settings.requirementsFor(projectOf.get(p.id) as Project);
  const needs = (r: "mergeable" | "undiverged") => !merged && plans.some((p) => requirementsOf(p).includes(r));
  const facts = await gatherFacts(ctx, { mergeable: needs("mergeable"), undiverged: needs("undiverged") });
  if (!merged) {
    const who = checkApplier(facts);
    if (!who.allowed) return refuseAll(publisher, `Not applied: ${who.reasons.join("; ")}.`);
  }
  // What the PR's changes touch, from its own diff: a plan of any other project was never part of what was reviewed.
  const resolved = await resolveCheckoutProjects(deps, ctx.job.target.repo, ctx.head, config);
  const changedDirs = new Set(resolved.affected.map((p) => p.dir));
  const codeOwners = plans.some((p) => requirementsOf(p).includes("code_owners"))
    ? await gatherCodeOwners(
        deps,
        ctx.vcs,
        ctx.job.target.repo,
        ctx.head,
        ctx.trustedSha ?? pr.baseSha,
        plans.map((p) => p.dir),
        approvingReviewers(facts.reviews),
      )
    : undefined;
  const requirementsFor = (plan: PlanRecord): Decision => {
    // At merge, mergeability and freshness of the branch no longer mean anything; approvals still do.
    const requirements = merged ? requirementsOf(plan).filter((r) => r === "approved" || r === "code_owners") : requirementsOf(plan);
    return checkRequirements(requirements, settings.approvals, facts, plan.createdAt, codeOwners?.get(plan.dir));
  };

  const projects = [...planOf.keys()];
  const all = [...config.projects.map(toProject), ...projects.filter((p) => !config.projects.some((c) => c.name === p.name))];
  const order = planOrder(config, all, projects);
  const waves = order.ok ? order : { ok: true as const, waves: [projects], dependsOn: () => [] };
  const sameTree = ctx.merge
    ? (await deps.workspace.treeOf(job.target.repo, ctx.merge.sha)) === (await deps.workspace.treeOf(job.target.repo, pr.headSha))
    : true;
  const scoping = { enabled: settings.sparseCheckout, customWorkflow: (p: Project) => settings.workflowFor(p).workflow !== undefined };
  await scopeCheckout(deps, job.target.repo, ctx.head, resolved.tree, projects, scoping);
  if (ctx.merge && !sameTree) {
    const merge = ctx.merge.checkout;
    const mergeTree = await readRepoTreeAt(deps.workspace, job.target.repo, merge.headSha, merge.files);
    await scopeCheckout(deps, job.target.repo, merge, mergeTree, projects, scoping);
  }
  const names = projects.map((p) => p.name);
  await publisher.publish({ state: "running", results: [], pending: names });
  await publisher.check({ state: "running", results: [], pending: names });

  const sensitive: string[] = [];
  const results = await runProjects({
    deps,
    job,
    repo,
    order: waves,
    parallel: settings.parallelApply,
    verb: "apply",
    step: async (project, run) => {
      const plan = planOf.get(project) as PlanRecord;
      const refuse = (reason: string): ProjectResult => ({ project, status: "refused", reason, output: "" });
      // Inside the run lock: nothing can replace, discard or unlock the plan between this check and the apply.
      // The plan file is this replica's own, or a copy of the store's bytes; its hash is checked either way.
      const here = await planFileHere(deps.store, plan, join(plansDirOf(ctx, plan), `apply-${job.id}-${plan.id}`), deps.planKey);
      try {
        const gates = checkPlanGates({
          plan,
          pr,
          merged,
          clickedSha: spec.checkSha,
          allowDestroy: settings.allowDestroyFor(project),
          changedByPr: changedDirs.has(plan.dir),
          requirements: requirementsFor(plan),
          stillPending: (await deps.store.pendingPlans(repo, pr.number)).some((p) => p.id === plan.id),
          lockHeld: (await deps.store.locksOf(repo, pr.number)).some(
            (l) => l.dir === plan.dir && l.workspace === plan.workspace && (l.scope === "" || l.scope === plan.project),
          ),
          fileIntact: here.ok,
          fileProblem: here.ok ? undefined : here.reason,
          policies: await planPolicyFact(deps, plan),
        });
        if (!gates.allowed) return refuse(gates.reasons.join("; "));
        if (!here.ok) return refuse(here.reason);
        let target = { planFile: here.planFile, checkoutDir: ctx.head.dir };
        if (ctx.merge && !sameTree) {
          // The merged tree differs from the planned one: plan again at the merge commit and
          // apply only if it would make exactly the approved changes, values included.
          const again = await replanAtMerge(ctx, plan, project, run);
          if (!again.ok) return again.result;
          target = { planFile: again.planFile, checkoutDir: ctx.merge.checkout.dir };
        }
        const applied = await applyOne(ctx, plan, project, target, run);
        sensitive.push(...applied.sensitiveValues);
        return applied.result;
      } finally {
        if (here.copyDir) await removePlanCopy(here.copyDir, deps.log);
      }
    },
  });
  secrets.add(sensitive);

  const ordered = inOrder(projects, results);
  const allApplied = ordered.every((r) => r.status === "applied");
  let notice: string | undefined;
  if (allApplied && settings.automerge && !merged && (await deps.store.pendingPlans(repo, pr.number)).length === 0) {
    try {
      await ctx.vcs.merge(job.target.repo, pr.number, "merge");
      notice = "Every project is applied: the pull request was merged (automerge).";
    } catch (e) {
      notice = `Every project is applied, but automerge failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  await publisher.final({ state: "done", results: ordered, notice });
}

/** This replica's dir for the plan's project in its PR (the plan itself may have been made on another replica). */
function plansDirOf(ctx: ApplyContext, plan: PlanRecord): string {
  return dataPaths.projectPlans(ctx.deps.dataDir, ctx.job.target.repo, plan.pr, {
    dir: plan.dir,
    workspace: plan.workspace,
    name: plan.project,
  });
}

async function replanAtMerge(
  ctx: ApplyContext,
  plan: PlanRecord,
  project: Project,
  run: ProjectRun,
): Promise<{ ok: true; planFile: string } | { ok: false; result: ProjectResult }> {
  const { deps, secrets, settings } = ctx;
  const runner = deps.runners[project.runner];
  const fail = (reason: string) => ({ ok: false as const, result: { project, status: "refused" as const, reason, output: "" } });
  if (!runner || !ctx.merge) return fail(`no runner for ${project.runner} projects`);
  const built = planRequest({ deps, settings, secrets }, project, {
    checkoutDir: ctx.merge.checkout.dir,
    // The merge commit's changes are measured from its first parent, the base before the merge.
    baseCheckoutDir: runner.needsBase ? ctx.head.dir : undefined,
    dataDir: join(plansDirOf(ctx, plan), `merge-${ctx.job.id}`),
    extraArgs: [],
    onOutput: (chunk) => run.log.write(chunk),
  });
  if (!built.ok) return { ok: false, result: built.result };
  // The base checkout is writable too: `helm dependency build` of the base chart writes its charts/.
  const sandboxed = sandboxedExec(deps, ctx.job, project, {
    writable: [ctx.merge.checkout.dir, built.request.baseCheckoutDir, built.request.dataDir],
    settings,
  });
  if (!sandboxed.ok) return fail(sandboxed.reason);
  const outcome = await runner.plan(built.request, sandboxed.exec);
  if (!outcome.ok)
    return fail(`the merge commit differs from the planned commit and planning it failed at ${outcome.failedStep}: ${outcome.message}`);
  secrets.add(outcome.summary.sensitiveValues);
  const diff = compareChanges(plan.summary, outcome.summary);
  if (diff) {
    return fail(
      `not applied: the merge commit differs from the planned commit, and planning it gives other changes than the approved plan (${diff}). Open a pull request to plan and apply the difference.`,
    );
  }
  return { ok: true, planFile: outcome.planFile };
}

async function applyOne(
  ctx: ApplyContext,
  plan: PlanRecord,
  project: Project,
  target: { planFile: string; checkoutDir: string },
  run: ProjectRun,
): Promise<{ result: ProjectResult; sensitiveValues: string[] }> {
  const { job, deps, secrets, settings } = ctx;
  const runner = deps.runners[project.runner];
  if (!runner) {
    return {
      result: { project, status: "error", failedStep: "runner", message: `no runner for ${project.runner} projects`, output: "" },
      sensitiveValues: [],
    };
  }
  const built = applyRequest({ deps, settings, secrets }, project, {
    checkoutDir: target.checkoutDir,
    dataDir: dirname(target.planFile),
    planFile: target.planFile,
    onOutput: (chunk) => run.log.write(chunk),
  });
  if (!built.ok) return { result: built.result, sensitiveValues: [] };
  const sandboxed = sandboxedExec(deps, job, project, {
    writable: [target.checkoutDir, dirname(target.planFile)],
    readable: [settings.kubeconfig],
    settings,
  });
  if (!sandboxed.ok) return { result: { project, status: "refused", reason: sandboxed.reason, output: "" }, sensitiveValues: [] };
  // Recorded before the tool starts: if this process dies mid-apply, the restart reports it.
  const applyId = await deps.store.recordApplyStart({
    jobId: job.id,
    repo: plan.repo,
    pr: plan.pr,
    project: plan.project,
    planId: plan.id,
  });
  // A saved plan is used once, marked before the tool starts: an apply that dies midway (this
  // process, or the runner throwing) must not leave it pending, nor its bytes in the store for
  // another replica's `/apply` to run again.
  await deps.store.markPlanApplied(plan.id);
  const live = {
    repo: plan.repo,
    project: plan.project,
    dir: project.dir,
    workspace: project.workspace,
    commitSha: ctx.merge?.sha ?? ctx.pr.headSha,
    source: ctx.merge ? ("merge" as const) : ("pr" as const),
    number: plan.pr,
    actor: job.spec.kind === "apply" ? job.spec.actor : "",
    planHash: plan.planHash,
  };
  // Every apply is in the live record and a GitHub Deployment (pull mode's "what is live where").
  const outcome = await recordLiveApply(deps, ctx.vcs, job.target.repo, live, () => runner.apply(built.request, sandboxed.exec));
  await deps.store.recordApplyEnd(applyId, outcome.ok ? "succeeded" : "failed");
  // The counts shown are those of the plan file just verified and applied (files are never rewritten).
  const summary = { ...plan.summary, sensitiveValues: [] };
  return {
    result: outcome.ok
      ? { project, status: "applied", summary, output: outcome.output, durationMs: outcome.durationMs }
      : { project, status: "error", failedStep: "apply", message: outcome.message, output: outcome.output, durationMs: outcome.durationMs },
    sensitiveValues: outcome.sensitiveValues,
  };
}

import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { exec } from "../../runners/exec.js";
import { type RepoSettings, repoSettings } from "../config/repo-settings.js";
import { matchesFilter } from "../model/command.js";
import type { ProjectResult } from "../model/project-result.js";
import { type Project, projectKey } from "../model/project.js";
import type { RepoConfig } from "../model/repo-config.js";
import { type ApplyFacts, checkApplier, checkRequirements, mergeability } from "../policy/check-apply-policy.js";
import { compareChanges } from "../policy/compare-changes.js";
import { approvingReviewers } from "../policy/count-approvals.js";
import { toProject } from "../projects/resolve-projects.js";
import { defaultRepoConfig } from "../config/repo/load-repo-config.js";
import { createRedactor } from "../render/redact.js";
import type { Job } from "../model/job.js";
import type { PlanRecord } from "../store/store.js";
import { repoFullName } from "../model/repo.js";
import type { Permission, PullRequestInfo } from "../model/pull-request.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { dataPaths } from "../workspace/data-paths.js";
import type { Checkout } from "../workspace/git-workspace.js";
import { hashFile } from "../workspace/hash-file.js";
import type { JobDeps } from "./job-deps.js";
import { loadRepoConfigs } from "./load-repo-configs.js";
import { planOrder } from "./plan-order.js";
import { createCommentPublisher } from "./publish-comments.js";
import { recordLiveApply } from "../drift/record-live-apply.js";
import { resolveSecretSet } from "./run-plan-job.js";
import { chainRedactors, type Secrets, secretsFor } from "./secrets.js";

type Publisher = ReturnType<typeof createCommentPublisher>;

const repoName = (job: Job) => repoFullName(job.target.repo);
const short = (sha: string) => sha.slice(0, 7);

/** The project a plan was made for, with its settings from the head's config when it has any. */
function projectFor(plan: PlanRecord, config: RepoConfig | undefined): Project {
  const configured = config?.projects.find((p) => p.name === plan.project);
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
  config?: RepoConfig;
  /** Apply on merge: the merge commit and its checkout. */
  merge?: { sha: string; checkout: Checkout };
}

/** `/apply` (or apply on merge): only saved plans of the live head and base, for allowed users. */
export async function runApplyJob(job: Job, deps: JobDeps): Promise<void> {
  if (job.spec.kind !== "apply") throw new Error(`runApplyJob got a ${job.spec.kind} job`);
  const { repo } = job.target;
  const vcs = await deps.vcsFor(job);
  const secrets = secretsFor(deps);
  // The live head, never the payload's: a push after the comment makes the plan stale.
  const pr = await vcs.pullRequest(repo, job.target.pr);
  if (job.spec.trigger === "comment" && !job.spec.viaAtlantis) {
    // Who asked is checked before anything is cloned: a user without access gets nothing run.
    const permission = await vcs.permissionOf(repo, job.spec.actor);
    const allowedByServer = deps.config.apply_users.some((u) => u.toLowerCase() === job.spec.actor.toLowerCase());
    const who = checkApplier({ commenter: job.spec.actor, commenterPermission: permission, allowedByServer });
    if (!who.allowed) {
      const publisher = createCommentPublisher(vcs, deps, job, {
        command: "apply",
        headSha: pr.headSha,
        trigger: { text: job.spec.commandLine ?? "/apply", user: job.spec.actor },
        maxComments: deps.config.max_comments,
      });
      return refuseAll(publisher, secrets, `Not applied: ${who.reasons.join("; ")}.`);
    }
  }
  const token = await vcs.cloneToken();
  secrets.add([token]);
  const held: Checkout[] = [];
  const checkoutAt = async (sha: string, baseSha: string) => {
    const c = await deps.workspace.checkout({ repo, cloneUrl: job.target.cloneUrl, token, pr: pr.number, headSha: sha, baseSha, baseRef: pr.baseRef });
    held.push(c);
    return c;
  };
  try {
    await applyWith(job, deps, vcs, pr, token, secrets, checkoutAt);
  } finally {
    for (const c of held) c.release();
  }
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
  const configs = await loadRepoConfigs(deps.workspace, repo, pr.headSha, trustedSha);
  const settings = repoSettings(deps.config, repoName(job), configs.trusted);
  if (merge && settings.applyOn !== "merge") return;
  const config = configs.head.ok ? configs.head.config : undefined;
  if (spec.viaAtlantis && config?.source !== "atlantis.yaml") return;

  if (spec.commentId) await vcs.react(repo, spec.commentId, "eyes").catch(() => undefined);
  const publisher = createCommentPublisher(vcs, deps, job, {
    command: "apply",
    headSha: pr.headSha,
    trigger: { text: merge ? "apply on merge" : (spec.commandLine ?? "/apply"), user: spec.actor },
    maxComments: deps.config.max_comments,
  });
  await publisher.publish({ state: "queued", results: [] }, secrets.redact);
  const op = await deps.store.beginPrOperation(repoName(job), pr.number, "apply", job.id);
  if (!op.ok) {
    const notice = "An apply is already in progress for this pull request; this command was not run. Wait for it to finish.";
    await publisher.publish({ state: "done", results: [], notice, tone: "refused" }, secrets.redact);
    return;
  }
  const ctx: ApplyContext = { job, deps, vcs, pr, token, head, secrets, settings, config, merge };
  try {
    await applyPullRequest(ctx, publisher);
  } catch (e) {
    await publisher.fault(e, secrets.redact);
    throw e;
  } finally {
    await deps.store.endPrOperation(repoName(job), pr.number, "apply");
  }
}

async function refuseAll(publisher: Publisher, secrets: Secrets, notice: string): Promise<void> {
  await publisher.publish({ state: "done", results: [], notice, tone: "refused" }, secrets.redact);
  await publisher.check({ state: "done", results: [], notice, failed: true }, secrets.redact);
}

async function gatherFacts(ctx: ApplyContext, needs: { mergeable: boolean; undiverged: boolean }): Promise<ApplyFacts> {
  const { job, deps, vcs, pr } = ctx;
  const { repo } = job.target;
  const actor = job.spec.kind === "apply" ? job.spec.actor : "";
  const reviews = await vcs.reviews(repo, pr.number);
  const permissions = new Map<string, Permission>();
  for (const user of approvingReviewers(reviews)) permissions.set(user.toLowerCase(), await vcs.permissionOf(repo, user));
  const mergeable = needs.mergeable ? mergeability(pr, await vcs.checkRuns(repo, pr.headSha)) : ({ ok: true } as const);
  const undiverged = needs.undiverged
    ? await deps.workspace.contains(repo, job.target.cloneUrl, ctx.token, { number: pr.number, baseRef: pr.baseRef, headSha: pr.headSha })
    : true;
  return {
    commenter: actor,
    commenterPermission: await vcs.permissionOf(repo, actor),
    allowedByServer: deps.config.apply_users.some((u) => u.toLowerCase() === actor.toLowerCase()),
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
  if (!merged && pr.state !== "open") return refuseAll(publisher, secrets, "This pull request is closed: nothing was applied.");

  const plans = (await deps.store.pendingPlans(repo, pr.number)).filter((p) => matchesFilter(p, spec.command?.filter));
  if (plans.length === 0) {
    const what = spec.command?.filter && Object.keys(spec.command.filter).length ? " matching this command" : "";
    return refuseAll(
      publisher,
      secrets,
      `Nothing to apply: this pull request has no current plan${what}. Comment \`/plan\` first, then \`/apply\`.`,
    );
  }
  const projects = new Map(plans.map((p) => [p.id, projectFor(p, ctx.config)]));
  const requirementsOf = (p: PlanRecord) => settings.requirementsFor(projects.get(p.id) as Project);
  const needs = (r: "mergeable" | "undiverged") => !merged && plans.some((p) => requirementsOf(p).includes(r));
  const facts = await gatherFacts(ctx, { mergeable: needs("mergeable"), undiverged: needs("undiverged") });
  if (!merged) {
    const who = checkApplier(facts);
    if (!who.allowed) return refuseAll(publisher, secrets, `Not applied: ${who.reasons.join("; ")}.`);
  }

  const locks = await deps.store.locksOf(repo, pr.number);
  const results = new Map<string, ProjectResult>();
  const runnable: PlanRecord[] = [];
  for (const plan of plans) {
    const project = projects.get(plan.id) as Project;
    const refuse = (reason: string) => results.set(project.name, { project, status: "refused", reason, output: "" });
    // At merge, mergeability and freshness of the branch no longer mean anything; approvals still do.
    const requirements = merged ? requirementsOf(plan).filter((r) => r === "approved") : requirementsOf(plan);
    const policy = checkRequirements(requirements, settings.approvals, facts);
    if (plan.headSha !== pr.headSha) {
      refuse(`the plan is stale: it was made for ${short(plan.headSha)} but the pull request head is now ${short(pr.headSha)}. Comment \`/plan\` to plan again.`);
    } else if (!merged && plan.baseSha !== pr.baseSha) {
      refuse(`the base branch moved since this plan (${short(plan.baseSha)} → ${short(pr.baseSha)}). Comment \`/plan\` to plan again.`);
    } else if (!policy.allowed) {
      refuse(policy.reasons.join("; "));
    } else if (!locks.some((l) => l.dir === plan.dir && l.workspace === plan.workspace)) {
      refuse("this pull request no longer holds the project's lock (it was released). Comment `/plan` to take it again.");
    } else if ((await hashFile(plan.planPath).catch(() => "missing")) !== plan.planHash) {
      refuse("the saved plan file is missing or changed since it was made. Comment `/plan` to plan again.");
    } else {
      runnable.push(plan);
    }
  }

  if (runnable.length) {
    const running = runnable.map((p) => p.project);
    await publisher.publish({ state: "running", results: [], pending: running }, secrets.redact);
    await publisher.check({ state: "running", results: [], pending: running }, secrets.redact);
    await runApplies(ctx, runnable, projects, results);
  }

  const ordered = plans.map((p) => results.get(p.project)).filter((r): r is ProjectResult => r !== undefined);
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
  await publisher.final({ state: "done", results: ordered, notice }, secrets.redact);
}

/** Applies in dependency order; a failed apply stops every project that depends on it. */
async function runApplies(
  ctx: ApplyContext,
  runnable: PlanRecord[],
  projects: Map<number, Project>,
  results: Map<string, ProjectResult>,
): Promise<void> {
  const { job, deps, settings, secrets } = ctx;
  const repo = repoName(job);
  const selected = runnable.map((p) => projects.get(p.id) as Project);
  const all = [...(ctx.config?.projects.map(toProject) ?? []), ...selected.filter((p) => !ctx.config?.projects.some((c) => c.name === p.name))];
  const order = planOrder(ctx.config ?? defaultRepoConfig(), all, selected);
  const waves = order.ok ? order.waves : [selected];
  const dependsOn = order.ok ? order.dependsOn : () => [];
  const planOf = new Map(runnable.map((p) => [p.project, p]));
  const sameTree = ctx.merge
    ? (await deps.workspace.treeOf(job.target.repo, ctx.merge.sha)) === (await deps.workspace.treeOf(job.target.repo, ctx.pr.headSha))
    : true;
  await mkdir(dirname(dataPaths.jobLog(deps.dataDir, job.id, "x")), { recursive: true });
  const sensitive: string[] = [];
  const failed = new Set<string>();
  for (const wave of waves) {
    const one = (project: Project) =>
      deps.projectQueue.add(() =>
        deps.store.runExclusive(projectKey(repo, project), async () => {
          const plan = planOf.get(project.name) as PlanRecord;
          const blocker = dependsOn(project).find((d) => failed.has(d));
          if (blocker) {
            failed.add(project.name);
            results.set(project.name, {
              project,
              status: "error",
              failedStep: "depends_on",
              message: `not applied: it depends on \`${blocker}\`, whose apply did not succeed`,
              output: "",
            });
            return;
          }
          let target = { planFile: plan.planPath, checkoutDir: ctx.head.dir };
          if (ctx.merge && !sameTree) {
            // The merged tree differs from the planned one: plan again at the merge commit and
            // apply only if it would make exactly the approved changes.
            const again = await replanAtMerge(ctx, plan, project);
            if (!again.ok) {
              failed.add(project.name);
              results.set(project.name, again.result);
              return;
            }
            target = { planFile: again.planFile, checkoutDir: ctx.merge.checkout.dir };
          }
          const result = await applyOne(ctx, plan, project, target);
          sensitive.push(...result.sensitiveValues);
          if (result.result.status !== "applied") failed.add(project.name);
          results.set(project.name, result.result);
        }),
      );
    if (settings.parallelApply) await Promise.all(wave.map(one));
    else for (const project of wave) await one(project);
  }
  secrets.add(sensitive);
}

async function replanAtMerge(
  ctx: ApplyContext,
  plan: PlanRecord,
  project: Project,
): Promise<{ ok: true; planFile: string } | { ok: false; result: ProjectResult }> {
  const { deps, secrets, settings } = ctx;
  const runner = deps.runners[project.runner];
  const fail = (reason: string) => ({ ok: false as const, result: { project, status: "refused" as const, reason, output: "" } });
  if (!runner || !ctx.merge) return fail(`no runner for ${project.runner} projects`);
  const secretSet = resolveSecretSet(project, settings);
  if ("missing" in secretSet) return fail(`secret \`${secretSet.missing}\` is not defined on this Sluice server`);
  const outcome = await runner.plan(
    {
      project,
      checkoutDir: ctx.merge.checkout.dir,
      // The merge commit's changes are measured from its first parent, the base before the merge.
      baseCheckoutDir: runner.needsBase ? ctx.head.dir : undefined,
      dataDir: join(dirname(plan.planPath), "merge"),
      extraArgs: [],
      env: deps.runnerEnv,
      timeoutMs: deps.config.step_timeout,
      redact: secrets.redact,
      secretSet: secretSet.values,
      workflow: settings.workflowFor(project).workflow,
      binary: settings.binaryFor(project),
    },
    exec,
  );
  if (!outcome.ok) return fail(`the merge commit differs from the planned commit and planning it failed at ${outcome.failedStep}: ${outcome.message}`);
  secrets.add(outcome.summary.sensitiveValues);
  const diff = compareChanges(plan.summary.resources, outcome.summary.resources);
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
): Promise<{ result: ProjectResult; sensitiveValues: string[] }> {
  const { job, deps, secrets, settings } = ctx;
  const runner = deps.runners[project.runner];
  if (!runner) {
    return {
      result: { project, status: "error", failedStep: "runner", message: `no runner for ${project.runner} projects`, output: "" },
      sensitiveValues: [],
    };
  }
  const secretSet = resolveSecretSet(project, settings);
  if ("missing" in secretSet) {
    return {
      result: { project, status: "refused", reason: `secret \`${secretSet.missing}\` is not defined on this Sluice server`, output: "" },
      sensitiveValues: [],
    };
  }
  // Recorded before the tool starts: if this process dies mid-apply, the restart reports it.
  const applyId = await deps.store.recordApplyStart({ jobId: job.id, repo: plan.repo, pr: plan.pr, project: plan.project, planId: plan.id });
  const log = createWriteStream(dataPaths.jobLog(deps.dataDir, job.id, project.name));
  try {
    const live = { repo: plan.repo, project: plan.project, dir: project.dir, workspace: project.workspace, commitSha: ctx.merge?.sha ?? ctx.pr.headSha, source: ctx.merge ? ("merge" as const) : ("pr" as const), number: plan.pr, actor: job.spec.kind === "apply" ? job.spec.actor : "", planHash: plan.planHash };
    const outcome = await recordLiveApply(deps, ctx.vcs, job.target.repo, live, () => runner.apply(
      {
        project,
        checkoutDir: target.checkoutDir,
        dataDir: dirname(target.planFile),
        planFile: target.planFile,
        env: deps.runnerEnv,
        timeoutMs: deps.config.step_timeout,
        redactWith: (values) =>
          chainRedactors(secrets.redact, createRedactor({ secrets: [...values, ...Object.values(secretSet.values)] })),
        onOutput: (chunk) => log.write(chunk),
        kubeconfig: settings.kubeconfig,
        secretSet: secretSet.values,
        workflow: settings.workflowFor(project).workflow,
        binary: settings.binaryFor(project),
      },
      exec,
    ));
    await deps.store.recordApplyEnd(applyId, outcome.ok ? "succeeded" : "failed");
    // A saved plan is used once: applied or failed, the next apply needs a new plan.
    await deps.store.markPlanApplied(plan.id);
    const summary = { ...plan.summary, sensitiveValues: [] };
    return {
      result: outcome.ok
        ? { project, status: "applied", summary, output: outcome.output, durationMs: outcome.durationMs }
        : { project, status: "error", failedStep: "apply", message: outcome.message, output: outcome.output, durationMs: outcome.durationMs },
      sensitiveValues: outcome.sensitiveValues,
    };
  } finally {
    log.end();
  }
}

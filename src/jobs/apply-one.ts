import { dirname, join } from "node:path";
import type { Project } from "../model/project.js";
import type { ProjectResult } from "../model/project-result.js";
import type { GatePass } from "../gate/decide.js";
import { applyThroughGate } from "../gate/through-gate.js";
import { compareChanges } from "../policy/compare-changes.js";
import type { PlanRecord } from "../store/store.js";
import { dataPaths } from "../workspace/data-paths.js";
import type { ApplyContext } from "./apply-context.js";
import { recordLiveApply } from "../drift/record-live-apply.js";
import type { ProjectRun } from "../tool-runs/run-projects.js";
import { applyRequest, pullRequestStepVariables, planRequest, type RunInputs } from "../tool-runs/runner-request.js";
import { sandboxedExec } from "../tool-runs/sandboxed-exec.js";
import { runCredentials, runWithCredentials } from "../tool-runs/run-credentials.js";

/** Who approved the pull request's head (the apply token's `approvers`); asked only when credentials are configured. */
async function approversOf(ctx: ApplyContext): Promise<string[]> {
  if (ctx.deps.config.credentials.length === 0) return [];
  const reviews = await ctx.vcs.reviews(ctx.job.target.repo, ctx.pr.number).catch(() => []);
  return [...new Set(reviews.filter((r) => r.state === "APPROVED" && r.commitId === ctx.pr.headSha).map((r) => r.user))];
}
import type { InputsContext } from "../tool-runs/gather-inputs.js";

/** A Terraform apply runs the saved plan, which holds its variables: inputs are for tools that render again. */
const terraformLike = (p: Project) => p.runner === "terraform" || p.runner === "opentofu";

/** This replica's dir for the plan's project in its PR (the plan itself may have been made on another replica). */
export function plansDirOf(ctx: ApplyContext, plan: PlanRecord): string {
  return dataPaths.projectPlans(ctx.deps.dataDir, ctx.job.target.repo, plan.pr, {
    dir: plan.dir,
    workspace: plan.workspace,
    name: plan.project,
  });
}

export async function replanAtMerge(
  ctx: ApplyContext,
  plan: PlanRecord,
  project: Project,
  run: ProjectRun,
  inputs?: RunInputs,
): Promise<{ ok: true; planFile: string } | { ok: false; result: ProjectResult }> {
  const { deps, secrets, settings } = ctx;
  const runner = deps.tools.runners[project.runner];
  const fail = (reason: string) => ({ ok: false as const, result: { project, status: "refused" as const, reason, output: "" } });
  if (!runner || !ctx.merge) return fail(`no runner for ${project.runner} projects`);
  const built = planRequest(
    { deps, settings, secrets },
    project,
    {
      checkoutDir: ctx.merge.checkout.dir,
      // The merge commit's changes are measured from its first parent, the base before the merge.
      baseCheckoutDir: runner.needsBase ? ctx.head.dir : undefined,
      dataDir: join(plansDirOf(ctx, plan), `merge-${ctx.job.id}`),
      extraArgs: [],
      onOutput: (chunk) => run.log.write(chunk),
    },
    inputs,
  );
  if (!built.ok) return { ok: false, result: built.result };
  // The base checkout is writable too: `helm dependency build` of the base chart writes its charts/.
  const sandboxed = sandboxedExec(deps, ctx.job, project, {
    writable: [ctx.merge.checkout.dir, built.request.baseCheckoutDir, built.request.dataDir],
    settings,
  });
  if (!sandboxed.ok) return fail(sandboxed.reason);
  const prepared = await runCredentials(deps, settings, secrets, project, "plan", {
    repository: plan.repo,
    pull_request: plan.pr,
    head_sha: ctx.merge.sha,
    base_ref: ctx.pr.baseRef,
    actor: ctx.job.spec.actor,
  });
  const ran = await runWithCredentials(prepared, sandboxed.exec, (exec) => runner.plan({ ...built.request, redact: secrets.redact }, exec));
  if (!ran.ok) return fail(ran.reason);
  const outcome = ran.value;
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

export async function applyOne(
  ctx: ApplyContext,
  pass: GatePass,
  plan: PlanRecord,
  project: Project,
  target: { planFile: string; checkoutDir: string },
  run: ProjectRun,
  /** Other projects' outputs, for tools that render again at apply (Helm). */
  inputs?: RunInputs,
): Promise<{ result: ProjectResult; sensitiveValues: string[] }> {
  const { job, deps, secrets, settings } = ctx;
  const runner = deps.tools.runners[project.runner];
  if (!runner) {
    return {
      result: { project, status: "error", failedStep: "runner", message: `no runner for ${project.runner} projects`, output: "" },
      sensitiveValues: [],
    };
  }
  const built = applyRequest(
    { deps, settings, secrets },
    project,
    {
      checkoutDir: target.checkoutDir,
      dataDir: dirname(target.planFile),
      planFile: target.planFile,
      onOutput: (chunk) => run.log.write(chunk),
      // An apply's `run` steps see the pull request as its plan's did (an apply takes no extra arguments).
      stepVariables: pullRequestStepVariables({
        repo: job.target.repo,
        headRepo: ctx.pr.headRepo,
        number: ctx.pr.number,
        url: ctx.pr.htmlUrl,
        author: ctx.pr.author,
        headRef: ctx.pr.headRef,
        headSha: ctx.pr.headSha,
        baseRef: ctx.pr.baseRef,
        user: job.spec.actor,
        extraArgs: [],
      }),
    },
    terraformLike(project) ? undefined : inputs,
  );
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
    actor: job.spec.actor,
    planHash: plan.planHash,
  };
  // Every apply is in the live record and a GitHub Deployment (pull mode's "what is live where").
  let credentials: string | undefined;
  const outcome = await recordLiveApply(deps, ctx.vcs, job.target.repo, live, () =>
    applyThroughGate(pass, runner, built.request, sandboxed.exec, async (admitted) => {
      const prepared = await runCredentials(deps, settings, secrets, project, "apply", {
        repository: admitted.repo,
        pull_request: admitted.number,
        head_sha: live.commitSha,
        base_ref: ctx.pr.baseRef,
        actor: admitted.actor,
        approvers: await approversOf(ctx),
      });
      if (prepared.ok) credentials = prepared.creds.identity || undefined;
      return prepared;
    }),
  );
  await deps.store.recordApplyEnd(applyId, outcome.ok ? "succeeded" : "failed");
  // The counts shown are those of the plan file just verified and applied (files are never rewritten).
  const summary = { ...plan.summary, sensitiveValues: [] };
  return {
    result: outcome.ok
      ? { project, status: "applied", summary, output: outcome.output, durationMs: outcome.durationMs, credentials }
      : {
          project,
          status: "error",
          failedStep: "apply",
          message: outcome.message,
          output: outcome.output,
          durationMs: outcome.durationMs,
          credentials,
        },
    sensitiveValues: outcome.sensitiveValues,
  };
}

/** Where an apply job reads the producers' outputs of a plan's project: its head checkout, a scratch dir beside the plan's. */
export function inputsContext(ctx: ApplyContext, all: readonly Project[], plan: PlanRecord): InputsContext {
  const { deps, job, settings, secrets } = ctx;
  return {
    deps,
    job,
    settings,
    secrets,
    checkoutDir: (ctx.merge?.checkout ?? ctx.head).dir,
    all,
    scratchDir: plansDirOf(ctx, plan),
    trustedProjects: ctx.trustedProjects,
  };
}

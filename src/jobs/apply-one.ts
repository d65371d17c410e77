import { join } from "node:path";
import { stateChangesOf } from "../gate/trusted-teardown.js";
import type { Project } from "../model/project.js";
import type { ProjectResult } from "../model/project-result.js";
import type { GatePass } from "../gate/decide.js";
import { compareChanges } from "../policy/compare-changes.js";
import type { PlanRecord } from "../store/store.js";
import { dataPaths } from "../workspace/data-paths.js";
import type { ApplyContext } from "./apply-context.js";
import type { ProjectRun } from "../tool-runs/run-projects.js";
import { pullRequestStepVariables, type RunInputs } from "../tool-runs/runner-request.js";

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
  const fail = (reason: string) => ({ ok: false as const, result: { project, status: "refused" as const, reason, output: "" } });
  if (!ctx.merge) return fail("there is no merge commit to plan");
  const ran = await ctx.tools.plan(project, {
    checkoutDir: ctx.merge.checkout.dir,
    // The merge commit's changes are measured from its first parent, the base before the merge.
    baseCheckoutDir: ctx.head.dir,
    dataDir: join(plansDirOf(ctx, plan), `merge-${ctx.job.id}`),
    extraArgs: [],
    onOutput: (chunk) => run.log.write(chunk),
    inputs,
    claims: { repository: plan.repo, pull_request: plan.pr, head_sha: ctx.merge.sha, base_ref: ctx.pr.baseRef, actor: ctx.job.spec.actor },
  });
  if (!ran.ok && ran.refused) return fail(ran.message);
  if (!ran.ok) return fail(`the merge commit differs from the planned commit and planning it failed at ${ran.failedStep}: ${ran.message}`);
  const diff = compareChanges(plan.summary, ran.value.summary);
  if (diff) {
    return fail(
      `not applied: the merge commit differs from the planned commit, and planning it gives other changes than the approved plan (${diff}). Open a pull request to plan and apply the difference.`,
    );
  }
  return { ok: true, planFile: ran.value.planFile };
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
  const { job } = ctx;
  const commitSha = ctx.merge?.sha ?? ctx.pr.headSha;
  const ran = await ctx.tools.apply(pass, project, {
    checkoutDir: target.checkoutDir,
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
    inputs: terraformLike(project) ? undefined : inputs,
    claims: async (admitted) => ({
      repository: admitted.repo,
      pull_request: admitted.number,
      head_sha: commitSha,
      base_ref: ctx.pr.baseRef,
      actor: admitted.actor,
      approvers: [...admitted.approvers],
    }),
    // Every apply is in the live record and a GitHub Deployment (pull mode's "what is live where").
    record: {
      planId: plan.id,
      markPlanUsed: true,
      live: {
        commitSha,
        source: ctx.merge ? "merge" : "pr",
        number: plan.pr,
        actor: job.spec.actor,
        planHash: plan.planHash,
        // A teardown the rules let through: later plans' teardowns are measured from after it.
        teardown: plan.summary.destroyPlan === true,
        stateChanges: stateChangesOf(plan.summary),
      },
    },
  });
  const { credentials } = ran;
  // The counts shown are those of the plan file just verified and applied (files are never rewritten).
  const summary = { ...plan.summary, sensitiveValues: [] };
  if (ran.ok) {
    const { output, durationMs } = ran.value;
    return { result: { project, status: "applied", summary, output, durationMs, credentials }, sensitiveValues: ran.sensitiveValues };
  }
  if (ran.refused) return { result: { project, status: "refused", reason: ran.message, output: ran.output }, sensitiveValues: [] };
  const failedStep = ran.failedStep;
  const result: ProjectResult = { project, status: "error", failedStep, message: ran.message, output: ran.output, credentials };
  return { result, sensitiveValues: ran.sensitiveValues };
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

import type { PlanOutcome } from "../../../runners/runner.js";
import { createProjectRunner } from "../../tool-runs/project-runner.js";
import type { PreviewRecord } from "../../model/preview.js";
import type { Project } from "../../model/project.js";
import { repoFullName } from "../../model/repo.js";
import { dataPaths } from "../../workspace/data-paths.js";
import { hashFile } from "../../workspace/hash-file.js";
import type { RunInputs } from "../../tool-runs/runner-request.js";
import type { JobLogWriter } from "../../tool-runs/store-job-log.js";
import { baseRefOf, type PreviewRun, previewArgs, previewProject } from "./preview-context.js";

export type PreviewPlan = Extract<PlanOutcome, { ok: true }> & { planHash: string; dataDir: string };

/**
 * Plans a preview (or its destroy, `-destroy`) in its own workspace and data dir, with its
 * variables, sandboxed like any plan of the PR's code. The caller holds the preview's run lock.
 */
export async function planPreview(
  ctx: PreviewRun,
  preview: PreviewRecord,
  destroy: boolean,
  log: Pick<JobLogWriter, "write">,
  /** A scheduled destroy plans the real project (its workflow and settings), not a preview's copy. */
  project: Project = previewProject(preview),
  /** Other projects' outputs (`inputs_from`, `values_from`), read by previewInputs. */
  inputs?: RunInputs,
  /** Helm and Kustomize: the commit the live preview was applied from, so the plan shows what this one changes. */
  baseCheckoutDir?: string,
): Promise<PreviewPlan | Extract<PlanOutcome, { ok: false }>> {
  const { deps, settings, secrets, checkout } = ctx;
  const fail = (failedStep: string, message: string, output = "") => ({ ok: false as const, failedStep, message, output, durationMs: 0 });
  const dataDir = dataPaths.previewData(deps.dataDir, ctx.job.target.repo, preview.pr, project);
  const ran = await createProjectRunner({ deps, job: ctx.job, vcs: ctx.vcs, settings, secrets }).plan(project, {
    checkoutDir: checkout.dir,
    // Without it, a Helm or Kustomize preview is new in its own namespace: everything it renders
    // is a create (with a kubeconfig, the live diff shows what the cluster already has).
    baseCheckoutDir: destroy ? undefined : baseCheckoutDir,
    dataDir,
    extraArgs: previewArgs(preview),
    destroy,
    onOutput: (chunk) => log.write(chunk),
    inputs,
    // A preview's plan runs the PR's code: it gets the rule's preview plan set, never production's
    // (a scheduled destroy of a real workspace, asked for by the trusted config, is the project's own).
    preview: ctx.pr !== undefined,
    claims: {
      repository: repoFullName(ctx.job.target.repo),
      pull_request: preview.pr,
      head_sha: checkout.headSha,
      base_ref: baseRefOf(ctx),
      actor: ctx.actor,
    },
  });
  if (!ran.ok) return fail(ran.failedStep, ran.message, ran.output);
  const outcome = ran.value;
  const planHash = await hashFile(outcome.planFile);
  // The gate reads the policy outcome by plan hash, as for every other plan it lets through.
  if (outcome.policy)
    await deps.store.savePolicyCheck({ repo: repoFullName(ctx.job.target.repo), pr: preview.pr, planHash }, outcome.policy);
  return { ...outcome, planHash, dataDir };
}

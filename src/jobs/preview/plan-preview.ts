import type { PlanOutcome } from "../../../runners/runner.js";
import type { PreviewRecord } from "../../model/preview.js";
import type { Project } from "../../model/project.js";
import { repoFullName } from "../../model/repo.js";
import { dataPaths } from "../../workspace/data-paths.js";
import { hashFile } from "../../workspace/hash-file.js";
import { runCredentials, runWithCredentials } from "../../tool-runs/run-credentials.js";
import { planRequest, type RunInputs } from "../../tool-runs/runner-request.js";
import { sandboxedExec } from "../../tool-runs/sandboxed-exec.js";
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
  const fail = (failedStep: string, message: string) => ({ ok: false as const, failedStep, message, output: "", durationMs: 0 });
  const runner = deps.tools.runners[project.runner];
  if (!runner) return fail("runner", `no runner for ${project.runner} projects on this server`);
  const dataDir = dataPaths.previewData(deps.dataDir, ctx.job.target.repo, preview.pr, project);
  const built = planRequest(
    { deps, settings, secrets },
    project,
    {
      checkoutDir: checkout.dir,
      // Without it, a Helm or Kustomize preview is new in its own namespace: everything it renders
      // is a create (with a kubeconfig, the live diff shows what the cluster already has).
      baseCheckoutDir: runner.needsBase && !destroy ? baseCheckoutDir : undefined,
      dataDir,
      extraArgs: previewArgs(preview),
      destroy,
      onOutput: (chunk) => log.write(chunk),
    },
    inputs,
  );
  if (!built.ok) return fail("settings", "reason" in built.result ? built.result.reason : "the plan could not be prepared");
  const sandboxed = sandboxedExec(deps, ctx.job, project, {
    writable: [checkout.dir, dataDir, ...(baseCheckoutDir ? [baseCheckoutDir] : [])],
    readable: [settings.kubeconfig, ...(built.request.policyCheck?.sets.map((s) => s.path) ?? [])],
    settings,
  });
  if (!sandboxed.ok) return fail("sandbox", sandboxed.reason);
  // A preview's plan runs the PR's code: it gets the project's plan set, never the apply set.
  const prepared = await runCredentials(deps, settings, secrets, project, "plan", {
    repository: repoFullName(ctx.job.target.repo),
    pull_request: preview.pr,
    head_sha: checkout.headSha,
    base_ref: baseRefOf(ctx),
    actor: ctx.actor,
  });
  const ran = await runWithCredentials(prepared, sandboxed.exec, (exec) => runner.plan(built.request, exec));
  if (!ran.ok) return fail("credentials", ran.reason);
  const outcome = ran.value;
  if (!outcome.ok) return outcome;
  secrets.add(outcome.summary.sensitiveValues);
  const planHash = await hashFile(outcome.planFile);
  // The gate reads the policy outcome by plan hash, as for every other plan it lets through.
  if (outcome.policy)
    await deps.store.savePolicyCheck({ repo: repoFullName(ctx.job.target.repo), pr: preview.pr, planHash }, outcome.policy);
  return { ...outcome, planHash, dataDir };
}

import type { PreviewRecord, PreviewSettings } from "../../model/preview.js";
import type { Project } from "../../model/project.js";
import type { Decision } from "../../policy/decision.js";
import { planCounts } from "../../render/plan-counts.js";
import type { JobLogWriter } from "../../tool-runs/store-job-log.js";
import { applyPreview } from "./apply-preview.js";
import { planPreview } from "./plan-preview.js";
import { type PreviewContext, previewUrl } from "./preview-context.js";
import { openPreviewDeployment } from "./preview-deployment.js";
import { type PreviewProducers, previewInputs } from "./preview-inputs.js";
import type { SyncOutcome } from "./sync-preview.js";

/** One sync as syncPreview set it up: its row (already written), and what stood before it. */
export interface PreviewSync {
  project: Project;
  preview: PreviewSettings;
  /** The row this sync writes, "applying" at this commit; changed in place as the sync goes on. */
  record: PreviewRecord;
  /** The live preview this sync updates (undefined: a first one). */
  live: PreviewRecord | undefined;
  /** What stands until this sync's apply starts: the live one's commit and variables (a first one's: nothing). */
  unapplied: Partial<Pick<PreviewRecord, "headSha" | "varFiles" | "vars">>;
  /** Whether the people it acts for may, asked at the gate (applyPreview). */
  actorNow: () => Promise<Decision>;
  from: { trusted: readonly Project[]; baseCheckoutDir?: string } & PreviewProducers;
  log: JobLogWriter;
  /** The project as the preview runs it (previewProject). */
  runAs: Project;
}

/**
 * The part of a sync run under the preview's run lock: its inputs, its plan, the gate and the
 * apply, each outcome written to the row before it is said, so a crash never leaves it unknown.
 */
export async function runPreviewSync(ctx: PreviewContext, sync: PreviewSync): Promise<SyncOutcome> {
  const { project, record, live, unapplied } = sync;
  const save = async (patch: Partial<PreviewRecord>) => {
    Object.assign(record, patch, { updatedAt: ctx.now() });
    await ctx.deps.store.savePreview(record);
    return record;
  };
  // A first preview that never reached its apply leaves nothing standing, so nothing to tear
  // down (a destroy planned at its commit would fail as its plan did, and be retried for ever).
  const notApplied = live ? "failed" : "destroyed";
  const gathered = await previewInputs(ctx, project, sync.from.trusted, sync.from);
  if (!gathered.ok) {
    const message = ctx.secrets.redact(`not planned: ${gathered.error}`);
    return { record: await save({ status: notApplied, lastResult: message, ...unapplied }), notice: `${project.name}: ${message}` };
  }
  const plan = await planPreview(ctx, record, false, sync.log, sync.runAs, gathered.inputs, sync.from.baseCheckoutDir);
  if (!plan.ok) {
    const message = ctx.secrets.redact(`plan failed at ${plan.failedStep}: ${plan.message}`);
    return { record: await save({ status: notApplied, lastResult: message, ...unapplied }), output: plan.output };
  }
  const lastPlan = planCounts(plan.summary);
  const deployment = await openPreviewDeployment(ctx, project.name);
  await deployment.status("in_progress", `applying the preview of #${ctx.pr.number}`);
  // From here the preview may change to this commit: its teardown plans this one, which planned.
  await save({});
  const applied = await applyPreview(ctx, record, plan, "preview-apply", sync.actorNow, sync.log, sync.runAs, gathered.inputs);
  if (!applied.ok) {
    await deployment.status("failure", applied.refused ? "refused" : "apply failed");
    // Kept for the console's Previews page and the API, which every reader sees: redacted as the comment is.
    const what = ctx.secrets.redact(applied.refused ? `⛔ refused: ${applied.message}` : `apply failed: ${applied.message}`);
    // A refused first apply leaves nothing behind; a refused update leaves the earlier preview as it was.
    const next = applied.refused && live ? live.status : applied.refused ? "destroyed" : "failed";
    // An apply that ran (and failed) may have changed the preview with this sync's inputs.
    const ran = applied.refused ? unapplied : { appliedInputs: gathered.inputs };
    return {
      record: await save({ status: next, lastResult: what, lastPlan, ...ran }),
      output: plan.output,
      notice: `${project.name}: ${what}`,
    };
  }
  const shown = await showLivePreview(ctx, sync, deployment, applied.outputs);
  return {
    record: await save({ status: "live", lastResult: shown.lastResult, lastPlan, appliedInputs: gathered.inputs, ...shown.patch }),
    output: plan.output,
  };
}

/**
 * After a successful apply: the preview's URL (an output, or the `url` template; only an http(s)
 * URL free of secrets), the deployment marked a success there, and the one it replaced ended.
 */
async function showLivePreview(
  ctx: PreviewContext,
  sync: Pick<PreviewSync, "preview" | "live">,
  deployment: Awaited<ReturnType<typeof openPreviewDeployment>>,
  outputs: Record<string, unknown>,
): Promise<{ lastResult: string; patch: Partial<Pick<PreviewRecord, "url" | "deploymentId">> }> {
  const { preview, live } = sync;
  const { vcs, pr, job } = ctx;
  const head = ctx.checkout.headSha.slice(0, 7);
  const url = preview.urlOutput
    ? previewUrl(outputs[preview.urlOutput], ctx.secrets.redact)
    : previewUrl(preview.urlTemplate?.replace("{number}", String(pr.number)), ctx.secrets.redact);
  await deployment.status("success", `preview of #${pr.number} at ${head}`, url);
  // GitHub leaves a transient environment's older deployments active: the one this replaced is ended here.
  if (live && live.deploymentId !== undefined && live.deploymentId !== deployment.id) {
    await vcs.setDeploymentStatus(job.target.repo, live.deploymentId, "inactive", `replaced by ${head}`).catch(() => undefined);
  }
  const urlNote = preview.urlOutput && !url ? `; output \`${preview.urlOutput}\` is not an http(s) URL free of secrets` : "";
  return {
    lastResult: `applied ${head}${urlNote}`,
    patch: { ...(url ? { url } : {}), ...(deployment.id !== undefined ? { deploymentId: deployment.id } : {}) },
  };
}

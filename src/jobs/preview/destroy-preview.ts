import { errorMessage } from "../../util/errors.js";
import type { PreviewRecord } from "../../model/preview.js";
import { type Project, projectKey } from "../../model/project.js";
import type { Decision } from "../../policy/decision.js";
import { nextDestroyAttempt } from "../../preview/preview-expiry.js";
import { clusterMoved, clusterOf } from "../../preview/preview-cluster.js";
import { previewPlaceTaken, previewsByNamespace } from "../../preview/preview-workspace.js";
import { recordDecision } from "../../gate/record-decision.js";
import { repoFullName } from "../../model/repo.js";
import { planCounts } from "../../render/plan-counts.js";
import { openJobLog } from "../../tool-runs/store-job-log.js";
import { applyPreview } from "./apply-preview.js";
import { planPreview } from "./plan-preview.js";
import { type PreviewProducers, previewInputs } from "./preview-inputs.js";
import { type PreviewContext, previewProject } from "./preview-context.js";
import type { SyncOutcome } from "./sync-preview.js";

/**
 * Tears one preview down: a destroy plan of the commit it was applied from, applied through the
 * gate on the `preview-destroy` road; the deployment goes `inactive`. A failure is kept with the
 * time of the next attempt (backoff), which the sweep honours: nothing is forgotten.
 */
export async function destroyPreview(
  ctx: PreviewContext,
  preview: PreviewRecord,
  reason: string,
  /** Whether the person who asked may, asked at the gate (applyPreview). */
  actorNow: () => Promise<Decision>,
  /** The base branch's project of this preview, when it still has one: what its tool renders with. */
  trusted?: Project,
  /** Producers' previews by name, for the destroy plan's `inputs_from` (a variable without a default needs a value). */
  from: { trusted: readonly Project[] } & PreviewProducers = { trusted: [], previews: new Map() },
): Promise<SyncOutcome> {
  const { deps, vcs, job } = ctx;
  const record: PreviewRecord = { ...preview, status: "destroying", lastResult: `destroying: ${reason}`, updatedAt: ctx.now() };
  await deps.store.savePreview(record);
  const save = async (patch: Partial<PreviewRecord>) => {
    Object.assign(record, patch, { updatedAt: ctx.now() });
    await deps.store.savePreview(record);
    return record;
  };
  const failed = (what: string, output = "") => destroyFailed(ctx, record, what, output);
  return deps.store.runExclusive(projectKey(record.repo, { dir: record.dir, workspace: record.workspace }), async () => {
    // Read again under the run lock: a sync that held it (a push just before the close) may have
    // applied since, with a deployment of its own that this destroy must end too. Its commit's
    // objects are torn down by the plan of the checkout at hand: the state (Terraform) or the
    // namespace (Helm, Kustomize) holds them whatever commit made them.
    const fresh = await deps.store.getPreview({ repo: record.repo, pr: record.pr, project: record.project });
    if (fresh?.status === "destroyed") return { record: fresh };
    if (fresh) await save({ ...fresh, status: "destroying", lastResult: record.lastResult });
    // Decided before anything is planned: even a destroy plan there reads the real project's state.
    const taken = previewPlaceTaken(record, from.trusted);
    if (taken) {
      const road = "preview-destroy" as const;
      const who = { road, repo: repoFullName(job.target.repo), project: record.project, number: record.pr, actor: ctx.actor };
      await recordDecision(deps.store, who, { allowed: false, rule: "destroy", reasons: [taken], road });
      return failed(`⛔ refused: ${taken}`);
    }
    // Torn down where it lives: in another cluster the destroy would find nothing and call it done.
    const moved = clusterMoved(record, await clusterOf(ctx.settings.kubeconfig?.apply), "destroyed");
    if (moved) return failed(moved);
    const log = openJobLog(deps, job, `${record.project}-preview-destroy`);
    try {
      const runAs = previewProject(record, trusted);
      // The inputs its last apply used, when it kept them: its producers may be gone or changed.
      // A Helm or Kustomize teardown deletes what the namespace holds and needs none: reading them
      // could only fail, and a failure here would keep the teardown retrying for ever.
      const gathered = record.appliedInputs
        ? { ok: true as const, inputs: record.appliedInputs }
        : trusted && !previewsByNamespace(record.runner)
          ? await previewInputs(ctx, trusted, from.trusted, from)
          : { ok: true as const };
      if (!gathered.ok) return failed(gathered.error);
      const plan = await planPreview(ctx, record, true, log, runAs, gathered.inputs);
      if (!plan.ok) return failed(`plan at ${plan.failedStep}: ${plan.message}`, plan.output);
      const applied = await applyPreview(ctx, record, plan, "preview-destroy", actorNow, log, runAs, gathered.inputs);
      if (!applied.ok) return failed(applied.refused ? `⛔ refused: ${applied.message}` : applied.message, plan.output);
      if (record.deploymentId !== undefined) {
        await vcs
          .setDeploymentStatus(job.target.repo, record.deploymentId, "inactive", `preview destroyed: ${reason}`)
          .catch((e: unknown) =>
            deps.log.warn({ jobId: job.id, err: errorMessage(e) }, "could not mark the preview's deployment inactive"),
          );
      }
      const { nextAttemptAt: _next, ...rest } = record;
      Object.assign(record, { ...rest, nextAttemptAt: undefined });
      return {
        record: await save({
          status: "destroyed",
          destroyAttempts: 0,
          lastResult: `destroyed: ${reason}`,
          lastPlan: planCounts(plan.summary),
        }),
        output: plan.output,
      };
    } finally {
      log.end();
    }
  });
}

/**
 * A destroy that did not happen: kept as `destroy failed` with the time of the next attempt
 * (backoff), said on the PR and logged.
 */
export async function destroyFailed(
  ctx: Pick<PreviewContext, "deps" | "job" | "now" | "secrets">,
  record: PreviewRecord,
  failure: string,
  output = "",
): Promise<SyncOutcome> {
  // A tool's message: kept for the console's Previews page and GET /api/v1/previews, which every
  // reader of the repository sees, and logged; as redacted as the comment.
  const what = ctx.secrets.redact(failure);
  // Read again: the record may be older than the store's (a waiting producer's was read at the
  // job's start), and its newer fields must not be written over.
  const fresh = await ctx.deps.store.getPreview({ repo: record.repo, pr: record.pr, project: record.project });
  if (fresh && fresh.updatedAt > record.updatedAt) Object.assign(record, fresh);
  const attempts = record.destroyAttempts + 1;
  const next = nextDestroyAttempt(attempts, ctx.now());
  ctx.deps.log.warn(
    { jobId: ctx.job.id, repo: record.repo, pr: record.pr, project: record.project, attempts },
    `preview destroy failed: ${what}`,
  );
  Object.assign(record, {
    status: "destroy-failed",
    destroyAttempts: attempts,
    nextAttemptAt: next,
    lastResult: `destroy failed: ${what}`,
    updatedAt: ctx.now(),
  });
  await ctx.deps.store.savePreview(record);
  return {
    record,
    output,
    notice: `${record.project}: the preview's destroy failed (attempt ${attempts}): ${what}. Sluice tries again from ${new Date(next).toISOString().slice(0, 16).replace("T", " ")} UTC.`,
  };
}

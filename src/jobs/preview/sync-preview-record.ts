import type { JobTarget } from "../../model/job.js";
import type { PreviewRecord, PreviewSettings } from "../../model/preview.js";
import type { Project } from "../../model/project.js";

/**
 * The row a sync writes before anything runs (pure): the preview at this commit, "applying". A
 * live preview it updates (`live`) keeps what stands until this sync's apply replaces it: when
 * it was made, its extension, URL, deployment and the inputs it was applied with.
 */
export function syncPreviewRecord(
  at: { repo: string; pr: number; headSha: string; target: JobTarget; now: number },
  project: Project,
  preview: PreviewSettings,
  workspace: string,
  standing: { live: PreviewRecord | undefined; cluster: string | undefined },
): PreviewRecord {
  const { live, cluster } = standing;
  return {
    repo: at.repo,
    pr: at.pr,
    project: project.name,
    dir: project.dir,
    workspace,
    runner: project.runner,
    varFiles: preview.varFiles,
    vars: preview.vars,
    status: "applying",
    headSha: at.headSha,
    target: { ...at.target, pr: at.pr, payloadHeadSha: undefined },
    createdAt: live ? live.createdAt : at.now,
    lastPushAt: at.now,
    ...(live?.extendedUntil ? { extendedUntil: live.extendedUntil } : {}),
    ...(preview.ttlMs ? { ttlMs: preview.ttlMs } : {}),
    ...(preview.maxAgeMs ? { maxAgeMs: preview.maxAgeMs } : {}),
    ...(live?.url ? { url: live.url } : {}),
    ...(live?.deploymentId ? { deploymentId: live.deploymentId } : {}),
    // What the preview as it stands was applied with, until an apply of this sync runs.
    ...(live?.appliedInputs ? { appliedInputs: live.appliedInputs } : {}),
    ...(cluster ? { cluster } : {}),
    destroyAttempts: 0,
    lastResult: `applying ${at.headSha.slice(0, 7)}`,
    updatedAt: at.now,
  };
}

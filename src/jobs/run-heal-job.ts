import type { JobContext } from "../job-context/job-context.js";
import { narrowed } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import { jobMarker, printComment } from "../render/comment-body.js";
import { runCleanupJob } from "./run-cleanup-job.js";

/** Why a healing act happened, in every audit record and log line it leaves. */
export const HEALED = "reconciled, the webhook was not received";

/**
 * Sluice holds a lock of this pull request: GitHub is asked whether it is still open. One found
 * closed gets what its lost `closed` event would have done (locks, previews, worktrees and plans
 * released), never the apply on merge: a merge Sluice did not hear of is not applied late, it is
 * said on the PR for a person to act on. An open one is left as it is.
 */
export async function runHealJob(ctx: JobContext<SpecOf<"heal">>): Promise<void> {
  const { job, deps, vcs } = ctx;
  const { repo, pr: number } = job.target;
  const pr = await vcs.pullRequest(repo, number);
  if (pr.state === "open") return;
  const locks = await deps.store.locksOf(repoFullName(repo), number);
  await runCleanupJob(narrowed(ctx, { kind: "cleanup", merged: false, actor: "sluice" }));
  await deps.store.recordAudit({
    actor: "sluice",
    action: "pr-closed-healed",
    repo: repoFullName(repo),
    pr: number,
    detail: `${HEALED}: #${number} is ${pr.merged ? "merged" : "closed"}; released ${locks.length} lock(s): ${locks.map((l) => l.project).join(", ")}`,
  });
  deps.log.warn(
    { jobId: job.id, repo: repoFullName(repo), pr: number, merged: pr.merged, locks: locks.length },
    `pull request closed: ${HEALED}`,
  );
  const projects = locks.map((l) => `\`${l.project}\``).join(", ");
  const text = pr.merged
    ? `Sluice did not receive this pull request's merge event (${HEALED}): it released its locks (${projects}). An apply on merge is never run late, so nothing was applied for the merge: if this repository applies on merge, apply the merged change from a new pull request or the drift issue.`
    : `Sluice did not receive this pull request's close event (${HEALED}): it released its locks (${projects}).`;
  await vcs.createComment(repo, number, printComment({ marker: jobMarker(`healed-${job.id}`), text }));
}

import type { Job } from "../model/job.js";
import { HEALED } from "../model/reconciled.js";

/** GitHub's clock and this server's may differ by this much: a close job queued this long before `closed_at` is still that close's. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Pure: the job that acted on this very close, when it ended without releasing the locks (failed,
 * or interrupted). One of an earlier close (the PR reopened since), or one that finished, is not.
 */
export function unfinishedCloseJob<J extends Pick<Job, "status" | "createdAt">>(
  job: J | undefined,
  closedAt: string | undefined,
): J | undefined {
  if (!job || job.status === "done" || job.status === "queued" || job.status === "running" || closedAt === undefined) return undefined;
  return Date.parse(job.createdAt) >= Date.parse(closedAt) - CLOCK_SKEW_MS ? job : undefined;
}

/**
 * Pure: whether this very close was acted on to its end (its cleanup job finished). One of an
 * earlier close (the PR reopened since), or one that failed or was interrupted, was not.
 */
export function closeActedOn(job: Pick<Job, "status" | "createdAt"> | undefined, closedAt: string | undefined): boolean {
  if (job?.status !== "done") return false;
  return closedAt === undefined || Date.parse(job.createdAt) >= Date.parse(closedAt) - CLOCK_SKEW_MS;
}

/**
 * Pure: what a heal says of a closed PR whose close it acts on while an apply of `projects` keeps
 * its locks (failed once its tool ran, or cut short): the locks are not released. A close it heard
 * whose job ended first (`closeJob`) is said as such, as closedPrSaid does: not a lost event.
 */
export function closedPrKeptSaid(merged: boolean, projects: string, closeJob?: Pick<Job, "id" | "status">): ClosedPrSaid {
  const kept = `Its locks are kept: an apply of ${projects} here failed or was cut short, so what its backend holds needs a person's look; comment \`/unlock\` here once it was checked.`;
  if (closeJob === undefined) {
    const lost = merged
      ? `Sluice did not receive this pull request's merge event (${HEALED}). An apply on merge is never run late, so nothing was applied for the merge: if this repository applies on merge, apply the merged change from a new pull request or the drift issue.`
      : `Sluice did not receive this pull request's close event (${HEALED}).`;
    return { text: `${lost} ${kept}`, why: HEALED };
  }
  const why = `reconciled, the job of the ${merged ? "merge" : "close"} (${closeJob.id}) ended ${closeJob.status} before it was done`;
  const heard = merged
    ? `Sluice received this pull request's merge, but its job ${closeJob.id} ended (${closeJob.status}) before it was done: its plans and worktrees are removed now. An apply on merge is never run again by itself: what that job applied, if anything, is said in its comments here; apply whatever of the merged change is not live from a new pull request or the drift issue.`
    : `Sluice received this pull request's close, but its job ${closeJob.id} ended (${closeJob.status}) before it was done: its plans and worktrees are removed now.`;
  return { text: `${heard} ${kept}`, why };
}

/** What a heal that released a closed PR's locks says: on the PR, in the audit, in the log. */
export interface ClosedPrSaid {
  /** The comment on the PR. */
  text: string;
  /** Why the heal was needed (the audit detail's second part, the log line's end). */
  why: string;
}

/**
 * Pure. A close Sluice never heard of is a lost webhook, and its merge's apply never ran. A close
 * it did hear of whose job ended before it released the locks (failed, or interrupted before its
 * apply on merge began) is not: saying "not received" and "nothing was applied" there would be
 * false whenever that job applied a project before it stopped.
 */
export function closedPrSaid(merged: boolean, projects: string, closeJob: Pick<Job, "id" | "status"> | undefined): ClosedPrSaid {
  if (closeJob === undefined) {
    const text = merged
      ? `Sluice did not receive this pull request's merge event (${HEALED}): it released its locks (${projects}). An apply on merge is never run late, so nothing was applied for the merge: if this repository applies on merge, apply the merged change from a new pull request or the drift issue.`
      : `Sluice did not receive this pull request's close event (${HEALED}): it released its locks (${projects}).`;
    return { text, why: HEALED };
  }
  const why = `reconciled, the job of the ${merged ? "merge" : "close"} (${closeJob.id}) ended ${closeJob.status} before it released the locks`;
  const text = merged
    ? `Sluice received this pull request's merge, but its job ${closeJob.id} ended (${closeJob.status}) before it released the locks: they are released now (${projects}). An apply on merge is never run again by itself: what that job applied, if anything, is said in its comments here; apply whatever of the merged change is not live from a new pull request or the drift issue.`
    : `Sluice received this pull request's close, but its job ${closeJob.id} ended (${closeJob.status}) before it released the locks: they are released now (${projects}).`;
  return { text, why };
}

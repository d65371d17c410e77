import type { JobContext } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import { repoFullName } from "../model/repo.js";
import { jobMarker, printComment } from "../render/comment-body.js";
import { inlineCode } from "../render/inline.js";
import { closeActedOn, closedPrKeptSaid, unfinishedCloseJob } from "../heal/closed-pr-said.js";
import { reconciledDetail } from "../model/reconciled.js";

/**
 * A closed pull request an apply of which failed once its tool ran, or was cut short, and no later
 * one made good: its locks are kept for a person (rule 8), never released by a heal. Its close
 * acted on already (the cleanup kept them, or its apply on merge is the one that failed): nothing
 * to do. Its close lost: the cleanup that event would have queued is queued, once per close and
 * again after each such cleanup that failed (it removes the plans and worktrees and keeps the
 * locks), and the PR is told once. True when the PR had
 * such an apply (the heal goes no further).
 */
export async function healKeptLocks(ctx: JobContext<SpecOf<"heal">>, pr: PullRequestInfo): Promise<boolean> {
  const { job, deps, vcs } = ctx;
  const { repo } = job.target;
  const name = repoFullName(repo);
  const unsettled = await deps.store.unsettledAppliesOfPr(name, pr.number);
  if (unsettled.length === 0) return false;
  const projects = [...new Set(unsettled.map((a) => a.project))];
  const said = { jobId: job.id, repo: name, pr: pr.number, unsettled: unsettled.map((a) => a.id), projects };
  // Its apply on merge failed and its job went on (to its end, or still runs): nothing to add. One
  // whose job then failed, or a crash cut short (reported interrupted, never run again), removed
  // no plans, worktrees or previews: healed as a close job that ended first (its merge is not
  // applied again: the cleanup queued below is not a merge's).
  const ofMerge = [];
  for (const a of unsettled) {
    const by = await deps.store.getJob(a.jobId);
    if (by?.spec.kind === "cleanup" && by.status !== "failed" && by.status !== "interrupted") ofMerge.push(a);
  }
  const closeJob = await deps.store.closeJobOf(name, pr.number);
  if (ofMerge.length || closeActedOn(closeJob, pr.closedAt)) {
    deps.log.info(said, "pull request closed, an apply of it failed or was cut short: its locks are kept until someone unlocks them");
    return true;
  }
  // Once per close, and once more after each cleanup of it that ended first (the one queued here
  // too: a GitHub or store error), so a failed one is tried again at the next sweep.
  const ended = unfinishedCloseJob(closeJob, pr.closedAt);
  const key = `heal-close:${name}#${pr.number}@${pr.closedAt ?? ""}${ended ? `:after-${ended.id}` : ""}`;
  // A merged PR's is a merge's cleanup (its head pushes forgotten, its previews destroyed as
  // merged), without a merge commit: its apply on merge is never run again.
  const queued = await deps.store.enqueueInternalOnce(key, job.target, {
    kind: "cleanup",
    merged: pr.merged,
    actor: "sluice",
  });
  if (queued === undefined) return true;
  deps.wake();
  const names = projects.map((p) => inlineCode(p)).join(", ");
  // Its close heard, but the job acting on it ended first: said as it was, not as a lost event.
  const { text, why } = closedPrKeptSaid(pr.merged, names, ended);
  await deps.store.recordAudit({
    actor: "sluice",
    action: "reconciled",
    repo: name,
    pr: pr.number,
    detail: reconciledDetail(
      "pr-closed",
      `#${pr.number} is ${pr.merged ? "merged" : "closed"}; queued job ${queued} to clean it up; its locks are kept (an apply of ${projects.join(", ")} failed or was cut short)`,
      why,
    ),
  });
  deps.log.warn({ ...said, queued }, `pull request closed, its locks kept for a person: ${why}`);
  // Said once per close, however many cleanups it takes.
  const marker = jobMarker(`healed-kept-${pr.number}-${Date.parse(pr.closedAt ?? "") || 0}`);
  await vcs.createComment(repo, pr.number, printComment({ marker, text }), {
    mayExist: true,
  });
  return true;
}

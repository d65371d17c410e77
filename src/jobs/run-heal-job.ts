import type { JobContext } from "../job-context/job-context.js";
import { narrowed } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import { jobMarker, printComment } from "../render/comment-body.js";
import { runCleanupJob } from "./run-cleanup-job.js";
import { healKeptLocks } from "./heal-kept-locks.js";
import { HEALED, reconciledDetail } from "../model/reconciled.js";
import { closedPrSaid, unfinishedCloseJob } from "../heal/closed-pr-said.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { Job } from "../model/job.js";
import { checkJobIds, orphanChecks } from "../heal/orphan-checks.js";
import { postStoredResult } from "../queue/recover-jobs.js";
import { isUnposted } from "../store/result-store.js";
import { headMovedSpec, ingressSettings } from "../ingress/event-to-job.js";
import { serverConfigFor } from "../config/server-config-for.js";
import { healRefused } from "../heal/heal-backoff.js";
import { refusedOutright } from "../vcs/refused-outright.js";
import { closeEventGraceMs } from "../heal/close-event-grace.js";

/**
 * Sluice holds a lock of this pull request: GitHub is asked whether it is still open. One found
 * closed (a sweep's time ago at least, and 30 s: its event may still be on its way) gets what its lost
 * `closed` event would have done (locks, previews, worktrees and plans released), never the apply
 * on merge: a merge Sluice did not hear of is not applied late, it is
 * said on the PR for a person to act on. An open one has the check runs its ended jobs left
 * `in_progress` completed, and a head Sluice never heard of gets what its lost `synchronize`
 * would have (see healHead). A failed read of GitHub fails the job before anything is released;
 * one GitHub refuses outright is asked again only after a growing wait (see askGitHub).
 */
export async function runHealJob(ctx: JobContext<SpecOf<"heal">>): Promise<void> {
  const { job, deps, vcs } = ctx;
  const { repo, pr: number } = job.target;
  const pr = await askGitHub(ctx);
  if (!pr) return;
  if (pr.state === "open") {
    await completeOrphanChecks(ctx, pr);
    return healHead(ctx, pr);
  }
  // Closed since the sweep looked, with its `closed` event heard after all: that event's cleanup is
  // queued or running and does the work; nothing was missed, so nothing is said to be. An earlier
  // heal of the PR (another replica's sweep) does it too; were it to find the PR still open, the
  // next sweep queues another.
  const heard = (await deps.store.activeJobsOf(repoFullName(repo), number)).some(
    (j) => j.spec.kind === "cleanup" || (j.spec.kind === "heal" && j.id < job.id),
  );
  if (heard) {
    deps.log.info({ jobId: job.id, repo: repoFullName(repo), pr: number }, "pull request closed: its close event is being acted on");
    return;
  }
  // GitHub delivers a close seconds after it, not at once: a heal that asks in between would
  // release what the event's cleanup needs (the merge's plans: its apply on merge) and say the
  // event was lost. A PR closed less than one sweep ago, and never less than CLOSE_EVENT_GRACE_MS,
  // is left to its own event (see closeEventGraceMs); the next sweep asks again.
  const since = pr.closedAt === undefined ? Number.POSITIVE_INFINITY : Date.now() - Date.parse(pr.closedAt);
  if (since < closeEventGraceMs(deps.config.reconcile_interval)) {
    deps.log.info(
      { jobId: job.id, repo: repoFullName(repo), pr: number, closedAt: pr.closedAt },
      "pull request closed moments ago: its close event is given until the next heal sweep to arrive",
    );
    return;
  }
  // An apply of it failed once its tool ran or was cut short: the locks are kept for a person to
  // check the state (rule 8), not released as a lost event's.
  if (await healKeptLocks(ctx, pr)) return;
  const locks = await deps.store.locksOf(repoFullName(repo), number);
  // Its close heard, but the job acting on it ended before it released the locks: said as it was.
  const closeJob = unfinishedCloseJob(await deps.store.closeJobOf(repoFullName(repo), number), pr.closedAt);
  const projects = locks.map((l) => `\`${l.project}\``).join(", ");
  const { text, why } = closedPrSaid(pr.merged, projects, closeJob);
  await runCleanupJob(narrowed(ctx, { kind: "cleanup", merged: false, actor: "sluice" }));
  // Cleaned up as a close (never its apply on merge), but merged all the same: never reopened, so
  // no decision reads its pushes again (as its own close's cleanup would forget them).
  if (pr.merged) await deps.store.forgetHeadPushes(repoFullName(repo), number);
  await deps.store.recordAudit({
    actor: "sluice",
    action: "reconciled",
    repo: repoFullName(repo),
    pr: number,
    detail: reconciledDetail(
      "pr-closed",
      `#${number} is ${pr.merged ? "merged" : "closed"}; released ${locks.length} lock(s): ${locks.map((l) => l.project).join(", ")}`,
      why,
    ),
  });
  deps.log.warn(
    { jobId: job.id, repo: repoFullName(repo), pr: number, merged: pr.merged, locks: locks.length, closeJob: closeJob?.id },
    `pull request closed: ${why}`,
  );
  await vcs.createComment(repo, number, printComment({ marker: jobMarker(`healed-${job.id}`), text }));
}

/**
 * The pull request as GitHub shows it now. GitHub refusing it (401, 403 or 404: the repository
 * deleted, transferred, or taken out of the installation) is no event Sluice missed: its locks are
 * kept (nothing says the PR closed) and the refusal is kept, so that the sweep asks again after a
 * wait that doubles up to a day instead of queueing a heal that fails on every sweep. Undefined then.
 */
async function askGitHub(ctx: JobContext<SpecOf<"heal">>): Promise<PullRequestInfo | undefined> {
  const { job, deps, vcs } = ctx;
  const { repo, pr: number } = job.target;
  const name = repoFullName(repo);
  const kept = await deps.store.healRefusal(name, number);
  try {
    const pr = await vcs.pullRequest(repo, number);
    if (kept) await deps.store.saveHealRefusal(name, number, undefined);
    return pr;
  } catch (e) {
    if (!refusedOutright(e)) throw e;
    const refusal = healRefused(kept, e.status, Date.now(), deps.config.reconcile_interval);
    await deps.store.saveHealRefusal(name, number, refusal);
    deps.log.warn(
      {
        jobId: job.id,
        repo: name,
        pr: number,
        status: e.status,
        attempts: refusal.attempts,
        nextAt: new Date(refusal.nextAt).toISOString(),
      },
      "GitHub refuses to show this pull request (its repository deleted, or out of the installation): its locks are kept; the heal sweep asks again at nextAt",
    );
    return undefined;
  }
}

/**
 * The PR's head moved and no event said so (its `synchronize` lost): its saved plans are of an
 * older commit, so `/apply` is refused and nobody is told why. It gets the job that event would
 * have queued (autoplan, or its previews' sync; nothing for a draft unless drafts are planned),
 * once per head.
 */
async function healHead(ctx: JobContext<SpecOf<"heal">>, pr: PullRequestInfo): Promise<void> {
  const { job, deps } = ctx;
  const name = repoFullName(job.target.repo);
  const { number, headSha } = pr;
  if ((await deps.store.pendingPlans(name, number)).some((p) => p.headSha === headSha)) return;
  if (await deps.store.heardOfHead(name, number, headSha)) return;
  const spec = headMovedSpec(pr.draft, ingressSettings(serverConfigFor(deps.config, name).config), "sluice");
  if ("ignore" in spec) {
    deps.log.info({ jobId: job.id, repo: name, pr: number, headSha }, `a head Sluice never heard of is left as it is: ${spec.ignore}`);
    return;
  }
  const queued = await deps.store.enqueueInternalOnce(
    `heal-head:${name}#${number}@${headSha}`,
    { ...job.target, payloadHeadSha: headSha },
    spec,
  );
  if (queued === undefined) return;
  await deps.store.recordAudit({
    actor: "sluice",
    action: "reconciled",
    repo: name,
    pr: number,
    detail: reconciledDetail(
      "head-moved",
      `#${number} is at ${headSha.slice(0, 7)}, which no event named; queued job ${queued} (${spec.kind})`,
    ),
  });
  deps.log.warn({ jobId: job.id, repo: name, pr: number, headSha, queued }, `pull request head moved: ${HEALED}`);
}

/**
 * A check run on the PR's head that a job of Sluice's left `in_progress` when it ended (GitHub
 * refused its last update, or the process died first) would stay so for good, blocking a merge
 * that requires it: it gets the job's kept final answer, or is completed as cancelled with the
 * reason when none was kept.
 */
async function completeOrphanChecks(ctx: JobContext<SpecOf<"heal">>, pr: PullRequestInfo): Promise<void> {
  const { job, deps, vcs } = ctx;
  const { repo } = job.target;
  const name = repoFullName(repo);
  const checks = await vcs.checkRuns(repo, pr.headSha);
  const jobs = new Map<number, Job>();
  for (const id of checkJobIds(checks.filter((c) => c.status !== "completed"))) {
    const found = await deps.store.getJob(id);
    if (found && repoFullName(found.target.repo) === name && found.target.pr === pr.number) jobs.set(id, found);
  }
  for (const { check, job: ended } of orphanChecks(checks, jobs)) {
    // A final answer kept but never accepted by GitHub is the job's real one: posted, not cancelled.
    const stored = await deps.store.resultOf(ended.id);
    const kept = stored !== undefined && isUnposted(stored);
    if (kept) {
      await postStoredResult(deps, ended, stored.result);
    } else {
      const summary = `Sluice's job ${ended.id} ended (${ended.status}) without completing this check: ${HEALED}. Comment the command again to run it.`;
      await vcs.updateCheck(repo, check.id, { status: "completed", conclusion: "cancelled", title: "Cancelled: its job ended", summary });
    }
    const did = kept ? "completed with its job's kept answer" : "completed as cancelled";
    await deps.store.recordAudit({
      actor: "sluice",
      action: "reconciled",
      repo: name,
      pr: pr.number,
      detail: reconciledDetail("check-orphaned", `check run ${check.id} (${check.name}) of job ${ended.id} ${did}`),
    });
    deps.log.warn(
      { jobId: job.id, repo: name, pr: pr.number, checkRunId: check.id, of: ended.id },
      `check run left in progress ${did}: ${HEALED}`,
    );
  }
}

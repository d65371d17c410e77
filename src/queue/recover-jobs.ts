import type { Job } from "../model/job.js";
import type { ApplyRecord, LiveApply } from "../store/store.js";
import type { JobResult } from "../model/job-result.js";
import type { UnpostedJobResult } from "../store/result-store.js";
import { VcsError } from "../vcs/vcs-client.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { createCommentPublisher, createResultPoster } from "../job-output/publish-comments.js";
import { recoverDriftApply } from "./recover-drift-apply.js";
import { secretsFor } from "../job-context/secrets.js";
import { errorMessage } from "../util/errors.js";
import { inlineCode } from "../render/inline.js";
import { jobMarker, printComment } from "../render/comment-body.js";

const INTERRUPTED =
  "Interrupted: Sluice stopped while this apply was running. It may have applied part of the plan. The project lock is kept and nothing is retried automatically: check the state, then comment `/plan` and `/apply` again.";

/** GitHub limits a deployment status's description to 140 characters. */
const DEPLOYMENT_INTERRUPTED = "interrupted: Sluice stopped during this apply; it may have applied part of the plan; not retried";

/**
 * Work a stopped process (a restart, or another replica that died) left behind. Answers it had
 * stored but not posted are posted now, once. Jobs it left running: one whose answer is stored is
 * finished; a plan is safe to run again and is re-queued; an apply that may have started is never
 * retried: it is reported as interrupted, and its locks stay held (a reconcile or a drift issue's
 * apply: on its issue and check, and its projects are paused). Safe to run at any time: the
 * store hands each orphan to one replica only.
 */
export async function recoverJobs(deps: JobDeps): Promise<void> {
  const interrupted = await deps.store.interruptStartedApplies();
  // By the replica the store handed these rows to (once), whichever replica adopts their jobs below.
  await endDeployments(deps, interrupted.applies, interrupted.live);
  for (const orphan of await deps.store.orphanedResults()) {
    await postOrphanedResult(deps, orphan).catch(async (e: unknown) => {
      // GitHub refused it outright (the PR or comment is gone): trying again at each restart would not help.
      const refused = e instanceof VcsError && !e.retryable;
      if (refused) await deps.store.markResultPosted(orphan.jobId);
      deps.log.error(
        { jobId: orphan.jobId, err: errorMessage(e), givenUp: refused },
        "could not post the result a stopped process left unposted",
      );
    });
  }
  for (const job of await deps.store.runningJobs()) {
    if (await deps.store.resultOf(job.id)) {
      // The work is done and its answer stored: posted already, or being posted by whoever holds it.
      await finish(deps, job, "done");
      deps.log.info({ jobId: job.id, deliveryId: job.deliveryId }, "a stopped process had finished this job; not run again");
      continue;
    }
    // A preview's apply is never run again by itself (the sweep marks it failed); a destroy is
    // finished: requeued like a plan, it plans the destroy again from the state as it is now.
    const previewApply = job.spec.kind === "preview" && (job.spec.action === "sync" || job.spec.action === "recreate");
    if (previewApply) {
      await deps.store.updateJob(job.id, { status: "interrupted", error: "process stopped during a preview apply" });
      deps.log.warn({ jobId: job.id, deliveryId: job.deliveryId }, "a preview apply was interrupted by a restart; not retried");
      continue;
    }
    // Read per job: another replica recovering the same dead one may have marked its applies, and
    // a job whose apply started is never run again (a reconcile re-queued would apply again).
    const started = await deps.store.interruptedAppliesOf(job.id);
    // A state command (`/import`, `/state rm`, `/state push-errored`) changes the state like an apply.
    const mayHaveApplied = ["apply", "drift-apply", "state"].includes(job.spec.kind) || started.length > 0;
    if (!mayHaveApplied) {
      deps.log.info({ jobId: job.id, deliveryId: job.deliveryId }, "re-queueing a job interrupted by a restart");
      await deps.store.requeueJob(job.id);
      continue;
    }
    await deps.store.updateJob(job.id, { status: "interrupted", error: "process stopped during apply" });
    await deps.store.clearPrOperationsOf(job.id);
    deps.log.warn({ jobId: job.id, deliveryId: job.deliveryId }, "an apply was interrupted by a restart; not retried");
    // Pull mode's applies belong to no pull request: reported on their issue and check instead.
    // (`drift`: a check queued by an earlier version, which reconciled too.)
    if (job.spec.kind === "drift-check" || job.spec.kind === "drift" || job.spec.kind === "drift-apply") {
      await recoverDriftApply(deps, job, started).catch((e: unknown) =>
        deps.log.error({ jobId: job.id, err: errorMessage(e) }, "could not report an interrupted drift apply"),
      );
      continue;
    }
    if (job.spec.kind === "state") {
      await reportStateInterrupted(deps, job, job.spec.commandLine).catch((e: unknown) =>
        deps.log.error({ jobId: job.id, err: errorMessage(e) }, "could not report an interrupted state command"),
      );
      continue;
    }
    await reportInterrupted(deps, job).catch((e: unknown) =>
      deps.log.error({ jobId: job.id, err: errorMessage(e) }, "could not report an interrupted apply"),
    );
  }
}

/**
 * The GitHub Deployments interrupted applies left `in_progress` (the live record keeps their ids
 * from the moment they exist): each ended once, as an error, with what may have happened. A live
 * row's apply row (written together: same repo, project and number) names its job, whose
 * installation ends it: not the job's target, which for a reconcile asked for on issue #N is #N
 * while its live row is number 0, and which other jobs of that number share.
 */
async function endDeployments(deps: JobDeps, applies: readonly ApplyRecord[], live: readonly LiveApply[]): Promise<void> {
  for (const l of live) {
    if (l.deploymentId === undefined) continue;
    const apply = applies.find((a) => a.repo === l.repo && a.project === l.project && a.pr === l.number);
    const job = apply && (await deps.store.getJob(apply.jobId));
    if (!job) continue;
    try {
      const vcs = await deps.vcsFor(job);
      await vcs.setDeploymentStatus(job.target.repo, l.deploymentId, "error", DEPLOYMENT_INTERRUPTED);
      deps.log.warn(
        { jobId: job.id, project: l.project, deploymentId: l.deploymentId },
        "the Deployment of an interrupted apply was ended",
      );
    } catch (e) {
      deps.log.error({ jobId: job.id, err: errorMessage(e) }, "could not complete the Deployment of an interrupted apply");
    }
  }
}

async function finish(deps: JobDeps, job: Job, status: "done"): Promise<void> {
  await deps.store.updateJob(job.id, { status });
  await deps.store.clearPrOperationsOf(job.id);
}

/** Posts a stored answer whose process stopped before GitHub had it; its job, if still running, is done. */
async function postOrphanedResult(deps: JobDeps, orphan: UnpostedJobResult): Promise<void> {
  const job = await deps.store.getJob(orphan.jobId);
  if (!job) return;
  await postStoredResult(deps, job, orphan.result);
  deps.log.info({ jobId: job.id, deliveryId: job.deliveryId }, "posted the result a stopped process had not posted");
  if (job.status === "running" || job.status === "queued") await finish(deps, job, "done");
}

/** Posts a job's kept final answer (its comments and check run) and marks it posted. */
export async function postStoredResult(deps: JobDeps, job: Job, result: JobResult): Promise<void> {
  const vcs = await deps.vcsFor(job);
  // The stopped process may have created a comment part without recording its id.
  const poster = createResultPoster(vcs, deps, job, { mayExist: true });
  const shownAt = await poster.comments(result.comments);
  await poster.check(result.command, result.headSha, result.check);
  await deps.store.markResultPosted(job.id, shownAt);
}

/**
 * A state command has no check run: said in a comment of its own (found again by its marker, so
 * a recovery that stops halfway does not say it twice).
 */
async function reportStateInterrupted(deps: JobDeps, job: Job, commandLine = "the state command"): Promise<void> {
  const vcs = await deps.vcsFor(job);
  const text = `Interrupted: Sluice stopped while ${inlineCode(commandLine)} was running. It may have changed the project's state. Nothing is run again by itself: check the state (\`/plan\` shows it), then comment the command again if it is still needed.`;
  await vcs.createComment(job.target.repo, job.target.pr, printComment({ marker: jobMarker(`interrupted-${job.id}`), text }), {
    mayExist: true,
  });
}

/** Kept before it is posted like every final answer: if this replica stops too, the next one posts it. */
async function reportInterrupted(deps: JobDeps, job: Job): Promise<void> {
  const vcs = await deps.vcsFor(job);
  const pr = await vcs.pullRequest(job.target.repo, job.target.pr);
  const publisher = createCommentPublisher(vcs, deps, job, {
    command: "apply",
    headSha: pr.headSha,
    trigger: { text: "apply", user: job.spec.kind === "apply" ? job.spec.actor : "" },
    maxComments: deps.config.max_comments,
    secrets: secretsFor(deps),
  });
  const result = publisher.render({ state: "done", results: [], notice: INTERRUPTED, tone: "failed", failed: true });
  await deps.store.saveResult(job.id, result);
  await postStoredResult(deps, job, result);
}

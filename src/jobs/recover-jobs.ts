import type { Job } from "../model/job.js";
import type { JobDeps } from "./job-deps.js";
import { createCommentPublisher } from "./publish-comments.js";
import { secretsFor } from "./secrets.js";

const INTERRUPTED =
  "Interrupted: Sluice stopped while this apply was running. It may have applied part of the plan. The project lock is kept and nothing is retried automatically: check the state, then comment `/plan` and `/apply` again.";

/**
 * Jobs a previous process left running. Plans are safe to run again and are re-queued; an apply
 * that may have started is never retried: it is reported as interrupted, and its locks stay held.
 */
export async function recoverJobs(deps: JobDeps): Promise<void> {
  const started = await deps.store.interruptStartedApplies();
  const touched = new Set(started.map((a) => a.jobId));
  for (const job of await deps.store.runningJobs()) {
    const mayHaveApplied = job.spec.kind === "apply" || job.spec.kind === "drift-apply" || touched.has(job.id);
    if (!mayHaveApplied) {
      deps.log.info({ jobId: job.id, deliveryId: job.deliveryId }, "re-queueing a job interrupted by a restart");
      await deps.store.requeueJob(job.id);
      continue;
    }
    await deps.store.updateJob(job.id, { status: "interrupted", error: "process stopped during apply" });
    await deps.store.clearPrOperationsOf(job.id);
    deps.log.warn({ jobId: job.id, deliveryId: job.deliveryId }, "an apply was interrupted by a restart; not retried");
    await reportInterrupted(deps, job).catch((e: unknown) =>
      deps.log.error({ jobId: job.id, err: e instanceof Error ? e.message : String(e) }, "could not report an interrupted apply"),
    );
  }
}

async function reportInterrupted(deps: JobDeps, job: Job): Promise<void> {
  const vcs = await deps.vcsFor(job);
  const pr = await vcs.pullRequest(job.target.repo, job.target.pr);
  const secrets = secretsFor(deps);
  const publisher = createCommentPublisher(vcs, deps, job, {
    command: "apply",
    headSha: pr.headSha,
    trigger: { text: "apply", user: job.spec.kind === "apply" ? job.spec.actor : "" },
    maxComments: deps.config.max_comments,
    secrets: secrets,
  });
  await publisher.publish({ state: "done", results: [], notice: INTERRUPTED, tone: "failed" });
  await publisher.check({ state: "done", results: [], notice: INTERRUPTED, failed: true });
}

import { errorMessage } from "../util/errors.js";
import { runPreviewJob } from "./preview/run-preview-job.js";
import { rm } from "node:fs/promises";
import { discardDriftIssuePlans } from "../drift/discard-drift-issue-plans.js";
import { type JobContext, narrowed, openJobContext } from "../job-context/job-context.js";
import { type SpecOf, actorIdField } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import { dataPaths } from "../workspace/data-paths.js";
import { releaseLocks } from "./release-locks.js";
import { runApplyJob } from "./run-apply-job.js";
import { keepLocksAfterFailedApply } from "./keep-locks-after-failed-apply.js";

/** A pull request closed (merged or not), or a drift issue closed by hand. */
export async function runCleanupJob(ctx: JobContext<SpecOf<"cleanup">>): Promise<void> {
  const { job, deps } = ctx;
  const spec = job.spec;
  if (spec.driftIssue) return discardDriftIssuePlans(ctx);
  const { repo, pr } = job.target;
  // An apply (or a state command, a plan) of this PR that was running when it closed keeps its
  // worktree, its plan dir and its locks until it ends: removed under it, a state terraform could
  // not save (errored.tfstate, written in the worktree) would be lost, and its TF_DATA_DIR with it.
  await untilEarlierJobsEnd(ctx);
  if (spec.merged && spec.mergeSha) {
    // Apply first (when the repo applies on merge): the locks stay held until the merged
    // change is live, or the apply failed.
    // In a context of its own: its worktrees are released before the PR's are removed below.
    const applying = await openJobContext(job, deps, ctx.vcs);
    try {
      await runApplyJob(
        narrowed(applying, {
          kind: "apply",
          trigger: "merge",
          actor: spec.actor,
          ...actorIdField(spec.actorId),
          mergeSha: spec.mergeSha,
        }),
      );
    } finally {
      applying.close();
    }
  }
  // Before the PR's worktrees go: each preview's destroy plans the commit it was applied from.
  await runPreviewJob(
    {
      ...job,
      spec: {
        kind: "preview",
        action: "destroy",
        reason: spec.merged ? "the pull request was merged" : "the pull request was closed",
        actor: spec.actor,
      },
    },
    deps,
  ).catch((e: unknown) => deps.log.error({ jobId: job.id, err: errorMessage(e) }, "preview destroy at close failed; the sweep retries it"));
  // An apply that failed once its tool ran, or was cut short, may have left the state unlike what
  // the backend says (a read-back that found it elsewhere): its PR keeps its locks until a person
  // checks the state and comments `/unlock`, merged or not (rule 8); everything else goes.
  const failed = await deps.store.unsettledAppliesOfPr(repoFullName(repo), pr);
  if (failed.length) await keepLocksAfterFailedApply(ctx, failed);
  const released = failed.length ? [] : await releaseLocks(deps, job);
  // A closed PR's plans are never applied: all of them go, with their files in the store.
  await deps.store.supersedePlans(repoFullName(repo), pr);
  // Who pushed its heads mattered only to decisions on it while open; a merged PR is never
  // reopened. A closed one may be, on the same head, and keeps them (docs/known-gaps.md).
  if (spec.merged) await deps.store.forgetHeadPushes(repoFullName(repo), pr);
  await deps.workspace.removePr(repo, pr);
  await rm(dataPaths.prPlans(deps.dataDir, repo, pr), { recursive: true, force: true });
  deps.log.info(
    { repo: repoFullName(repo), pr, released: released.length },
    "pull request closed: locks released, worktrees and plans removed",
  );
}

const WAIT_STEP_MS = 500;
/** How often a long wait is said again, as a warning: a job that never ends keeps the PR's locks. */
const WAIT_SAID_EVERY_MS = 10 * 60_000;

/**
 * Waits while a job of this PR queued before this one is still running (on any replica): however
 * long (an apply is never cut off by its PR's close); a job of a replica that died is recovered
 * and so ends. The wait is logged, and again as a warning every WAIT_SAID_EVERY_MS.
 */
async function untilEarlierJobsEnd(ctx: JobContext<SpecOf<"cleanup">>): Promise<void> {
  const { job, deps } = ctx;
  const repo = repoFullName(job.target.repo);
  const started = performance.now();
  let saidAt: number | undefined;
  for (;;) {
    const running = (await deps.store.activeJobsOf(repo, job.target.pr)).filter((j) => j.status === "running" && j.id < job.id);
    if (running.length === 0) return;
    const now = performance.now();
    if (saidAt === undefined || now - saidAt >= WAIT_SAID_EVERY_MS) {
      const what = { jobId: job.id, repo, pr: job.target.pr, waitingFor: running.map((j) => j.id) };
      if (saidAt === undefined)
        deps.log.info(what, "pull request closed while its jobs run: its worktrees and plans are removed once they end");
      else
        deps.log.warn(
          { ...what, minutes: Math.round((now - started) / 60_000) },
          "a closed pull request's locks, worktrees and plans still wait for its running jobs to end",
        );
      saidAt = now;
    }
    await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
  }
}

import { errorMessage } from "../util/errors.js";
import { runPreviewJob } from "./preview/run-preview-job.js";
import { rm } from "node:fs/promises";
import { discardDriftIssuePlans } from "../drift/discard-drift-issue-plans.js";
import { type JobContext, narrowed, openJobContext } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import { dataPaths } from "../workspace/data-paths.js";
import { releaseLocks } from "./release-locks.js";
import { runApplyJob } from "./run-apply-job.js";

/** A pull request closed (merged or not), or a drift issue closed by hand. */
export async function runCleanupJob(ctx: JobContext<SpecOf<"cleanup">>): Promise<void> {
  const { job, deps } = ctx;
  const spec = job.spec;
  if (spec.driftIssue) return discardDriftIssuePlans(ctx);
  const { repo, pr } = job.target;
  if (spec.merged && spec.mergeSha) {
    // Apply first (when the repo applies on merge): the locks stay held until the merged
    // change is live, or the apply failed.
    // In a context of its own: its worktrees are released before the PR's are removed below.
    const applying = await openJobContext(job, deps, ctx.vcs);
    try {
      await runApplyJob(narrowed(applying, { kind: "apply", trigger: "merge", actor: spec.actor, mergeSha: spec.mergeSha }));
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
  const released = await releaseLocks(deps, job);
  // A closed PR's plans are never applied: all of them go, with their files in the store.
  await deps.store.supersedePlans(repoFullName(repo), pr);
  await deps.workspace.removePr(repo, pr);
  await rm(dataPaths.prPlans(deps.dataDir, repo, pr), { recursive: true, force: true });
  deps.log.info(
    { repo: repoFullName(repo), pr, released: released.length },
    "pull request closed: locks released, worktrees and plans removed",
  );
}

import { rm } from "node:fs/promises";
import { USAGE } from "../command/usage.js";
import { renderInvalid, renderUsage } from "../render/render-usage.js";
import type { Job } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import { dataPaths } from "../workspace/data-paths.js";
import type { JobDeps } from "./job-deps.js";
import { releaseLocks } from "./release-locks.js";
import { runApplyJob } from "./run-apply-job.js";
import { runPlanJob } from "./run-plan-job.js";
import { runUnlockJob } from "./run-unlock-job.js";
import { runDriftApplyJob } from "../drift/run-drift-apply-job.js";
import { runDriftJob } from "../drift/run-drift-job.js";
import { secretsFor } from "./secrets.js";

/** Dispatches a job by kind. */
export async function runJob(job: Job, deps: JobDeps): Promise<void> {
  const { repo, pr } = job.target;
  switch (job.spec.kind) {
    case "plan":
      return runPlanJob(job, deps);
    case "apply":
      return runApplyJob(job, deps);
    case "unlock":
      return runUnlockJob(job, deps);
    case "drift":
      return runDriftJob(job, deps);
    case "drift-apply":
      return runDriftApplyJob(job, deps);
    case "reply": {
      const vcs = await deps.vcsFor(job);
      const redact = secretsFor(deps).redact;
      const body = job.spec.body === "help" ? renderUsage(USAGE) : renderInvalid(job.spec.reason ?? "invalid command", USAGE, redact);
      if (job.commentIds.length === 0) {
        const id = await vcs.createComment(repo, pr, body);
        await deps.store.updateJob(job.id, { commentIds: [id] });
      }
      if (job.spec.body === "invalid") await vcs.react(repo, job.spec.commentId, "confused").catch(() => undefined);
      return;
    }
    case "cleanup": {
      if (job.spec.merged && job.spec.mergeSha) {
        // Apply first (when the repo applies on merge): the locks stay held until the merged
        // change is live, or the apply failed.
        await runApplyJob({ ...job, spec: { kind: "apply", trigger: "merge", actor: job.spec.actor, mergeSha: job.spec.mergeSha } }, deps);
      }
      const released = await releaseLocks(deps, job);
      await deps.workspace.removePr(repo, pr);
      await rm(dataPaths.prPlans(deps.dataDir, repo, pr), { recursive: true, force: true });
      deps.log.info(
        { repo: repoFullName(repo), pr, released: released.length },
        "pull request closed: locks released, worktrees and plans removed",
      );
      return;
    }
  }
}

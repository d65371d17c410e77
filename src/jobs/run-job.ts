import { USAGE } from "../command/usage.js";
import { renderInvalid, renderUsage } from "../render/render-usage.js";
import { createRedactor } from "../render/redact.js";
import type { Job } from "../store/store.js";
import type { JobDeps } from "./job-deps.js";
import { runPlanJob } from "./run-plan-job.js";
import { rm } from "node:fs/promises";
import { dataPaths } from "../workspace/data-paths.js";

/** Dispatches a job by kind. */
export async function runJob(job: Job, deps: JobDeps): Promise<void> {
  const { repo, pr } = job.target;
  switch (job.spec.kind) {
    case "plan":
      return runPlanJob(job, deps);
    case "reply": {
      const vcs = await deps.vcsFor(job.target.installationId);
      const redact = createRedactor({ patterns: deps.redactPatterns });
      const body = job.spec.body === "help" ? renderUsage(USAGE) : renderInvalid(job.spec.reason ?? "invalid command", USAGE, redact);
      if (job.commentIds.length === 0) {
        const id = await vcs.createComment(repo, pr, body);
        await deps.store.updateJob(job.id, { commentIds: [id] });
      }
      if (job.spec.body === "invalid") await vcs.react(repo, job.spec.commentId, "confused").catch(() => undefined);
      return;
    }
    case "cleanup": {
      await deps.workspace.removePr(repo, pr);
      await rm(dataPaths.prPlans(deps.dataDir, repo, pr), { recursive: true, force: true });
      deps.log.info({ repo: `${repo.owner}/${repo.name}`, pr }, "removed the worktrees and plans of a closed pull request");
      return;
    }
  }
}

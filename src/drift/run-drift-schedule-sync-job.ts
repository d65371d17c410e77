import type { JobContext } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import { readDefaultHead } from "./read-default-head.js";

/** The default branch moved (or the app was installed): the repo's drift schedules follow its config now. */
export async function runDriftScheduleSyncJob(ctx: JobContext<SpecOf<"drift-schedule-sync">>): Promise<void> {
  const { job, deps } = ctx;
  // Nobody asked in a comment: an invalid config is said by the failed check alone.
  const read = await readDefaultHead(ctx, async () => undefined);
  if (!read) return;
  deps.log.info(
    { jobId: job.id, repo: repoFullName(job.target.repo), sha: read.head.sha },
    "default branch moved: drift schedules refreshed",
  );
}

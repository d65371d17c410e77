import type { JobContext } from "../job-context/job-context.js";
import { repoFullName } from "../model/repo.js";
import { errorMessage } from "../util/errors.js";

/**
 * A pull request's close acts only while the pull request is still closed: a `closed` that comes
 * after it was reopened (redelivered after a failed delivery, or sent late) would release the locks
 * and discard the plans the open pull request holds now. GitHub is asked. A merge is not: a merged
 * pull request is never reopened, and its apply on merge waits for nothing. When GitHub cannot
 * answer, the close is acted on as it says (as before; the reopened PR's next plan takes its locks again).
 */
export async function closeStillSaid(ctx: JobContext): Promise<boolean> {
  const { job, deps, vcs } = ctx;
  const spec = job.spec;
  if (spec.kind !== "cleanup" || spec.merged || spec.driftIssue || !job.target.pr) return true;
  const logged = { jobId: job.id, deliveryId: job.deliveryId, repo: repoFullName(job.target.repo), pr: job.target.pr };
  try {
    if ((await vcs.pullRequest(job.target.repo, job.target.pr)).state !== "open") return true;
  } catch (e) {
    deps.log.warn(
      { ...logged, err: errorMessage(e) },
      "could not ask GitHub whether the closed pull request was reopened since: its close is acted on",
    );
    return true;
  }
  deps.log.info(logged, "the pull request was reopened since this close: nothing released");
  return false;
}

import type { Job } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import type { Store } from "../store/store.js";

/**
 * The job that made the check run an Apply button was clicked on, or a Re-run asked of: the run's
 * external id names it, and it counts only when that job's record names this very run in this
 * repository. Undefined otherwise (an id that is not Sluice's, a run of another repository's).
 */
export async function clickedCheckMaker(job: Job, store: Pick<Store, "getJob">): Promise<Job | undefined> {
  const { spec } = job;
  const clicked =
    spec.kind === "apply" && spec.trigger === "button"
      ? spec.clicked
      : spec.kind === "plan" && spec.trigger === "rerun"
        ? spec.rerunOf
        : undefined;
  if (clicked?.madeBy === undefined) return undefined;
  const maker = await store.getJob(clicked.madeBy);
  if (!maker || maker.checkRunId !== clicked.checkRunId) return undefined;
  if (repoFullName(maker.target.repo).toLowerCase() !== repoFullName(job.target.repo).toLowerCase()) return undefined;
  return maker;
}

/**
 * The pull request whose plan made the check run an Apply button was clicked on, or a Re-run
 * asked of. GitHub lists in the event every open PR whose head is the check's commit (two PRs of
 * one branch into two bases, or two branches at one commit), so the first of them may be another
 * PR than the check's: the click would apply that PR's plans, the re-run re-plan it. Undefined
 * when the event names no job of this repository's that made this very check run (then the PR
 * GitHub listed stands).
 */
export async function clickedPullRequest(job: Job, store: Pick<Store, "getJob">): Promise<number | undefined> {
  const maker = await clickedCheckMaker(job, store);
  return maker === undefined || maker.target.pr === 0 ? undefined : maker.target.pr;
}

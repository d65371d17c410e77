import type { JobContext } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import type { ApplyRecord } from "../store/store.js";
import { jobMarker, printComment } from "../render/comment-body.js";
import { inlineCode } from "../render/inline.js";

/**
 * Says on the closed pull request that its locks are kept: an apply of `unsettled` failed once the
 * tool ran, or was cut short (its apply on merge, or an earlier `/apply` no later one made good),
 * so what the backend holds needs a person's look before another pull request plans on top of it.
 * A comment of its own, found again by its marker: said once per close (the job acting on it, run
 * again after a crash), and again at a later close of the same PR only for an apply no `/unlock`
 * settled (one that failed after the unlock).
 */
export async function keepLocksAfterFailedApply(ctx: JobContext<SpecOf<"cleanup">>, unsettled: readonly ApplyRecord[]): Promise<void> {
  const { job, deps, vcs } = ctx;
  const projects = [...new Set(unsettled.map((a) => a.project))];
  const names = projects.map((p) => inlineCode(p)).join(", ");
  const atMerge = unsettled.every((a) => a.jobId === job.id);
  deps.log.warn(
    { jobId: job.id, repo: repoFullName(job.target.repo), pr: job.target.pr, projects, applies: unsettled.map((a) => a.id) },
    atMerge
      ? "apply on merge failed: the merged pull request keeps its locks until someone unlocks them"
      : "pull request closed after an apply of it failed or was cut short: it keeps its locks until someone unlocks them",
  );
  const what = atMerge
    ? `The apply on merge of ${names} failed`
    : `The last apply of ${names} on this pull request failed or was cut short (no later apply of it here succeeded)`;
  const text = `${what}, so this pull request keeps its locks though it is closed: no other pull request plans or applies these projects until someone checks their state in the backend (no pull request can plan them meanwhile) and comments \`/unlock\` here.`;
  const marker = jobMarker(`kept-locks-${job.id}`);
  await vcs.createComment(job.target.repo, job.target.pr, printComment({ marker, text }), { mayExist: true });
}

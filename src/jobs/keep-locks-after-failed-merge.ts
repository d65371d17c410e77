import type { JobContext } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import { jobMarker, printComment } from "../render/comment-body.js";
import { inlineCode } from "../render/inline.js";

/**
 * Says on the merged pull request that its locks are kept: its apply on merge failed for
 * `projects` once the tool ran, so what the backend holds needs a person's look before another
 * pull request plans on top of it. A comment of its own, found again by its marker.
 */
export async function keepLocksAfterFailedMerge(ctx: JobContext<SpecOf<"cleanup">>, projects: string[]): Promise<void> {
  const { job, deps, vcs } = ctx;
  const names = [...new Set(projects)].map((p) => inlineCode(p)).join(", ");
  deps.log.warn(
    { jobId: job.id, repo: repoFullName(job.target.repo), pr: job.target.pr, projects },
    "apply on merge failed: the merged pull request keeps its locks until someone unlocks them",
  );
  const text = `The apply on merge of ${names} failed, so this pull request keeps its locks: no other pull request plans or applies these projects until someone checks their state (\`/plan\` on a pull request shows it) and comments \`/unlock\` here.`;
  await vcs.createComment(job.target.repo, job.target.pr, printComment({ marker: jobMarker(`kept-locks-${job.id}`), text }), {
    mayExist: true,
  });
}

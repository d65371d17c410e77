import type { Job } from "../../model/job.js";
import { repoFullName } from "../../model/repo.js";
import { inlineCode } from "../../render/inline.js";
import type { JobDeps } from "../job-deps.js";
import { jobMarker, printComment } from "../../render/comment-body.js";

/**
 * A drift issue closed by hand (or by another bot): `/apply` needs an open issue, so the plan it
 * showed can never be applied; it goes now, with its bytes in the store, instead of waiting for
 * the next check. Said on the issue when there was a plan to discard: when Sluice closes an issue
 * itself, it has discarded the plan already and says nothing more.
 */
export async function discardDriftIssuePlans(job: Job, deps: JobDeps): Promise<void> {
  const { repo, pr: issue } = job.target;
  const discarded = await deps.store.supersedePlans(repoFullName(repo), issue);
  deps.log.info({ jobId: job.id, repo: repoFullName(repo), issue, discarded }, "drift issue closed: its plan was discarded");
  if (discarded === 0 || job.commentIds.length > 0) return;
  const vcs = await deps.vcsFor(job);
  const by = job.spec.kind === "cleanup" ? job.spec.actor : "";
  const text = [
    `This issue was closed${by ? ` by ${inlineCode(by)}` : ""}, so the plan it showed was discarded: \`/apply\` here applies nothing.`,
    "If the project still drifts, the next drift check opens a new issue; comment `/drift` on any issue to check now.",
  ].join(" ");
  const id = await vcs.createComment(repo, issue, printComment({ marker: jobMarker(job.id), text }));
  await deps.store.updateJob(job.id, { commentIds: [id] });
}

import type { RepoRef } from "../model/repo.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { jobMarker, parseMarker, printComment } from "../render/comment-body.js";

const COLLAPSED = "_(continuation of an earlier plan, replaced by a newer plan below)_";

/**
 * After a push, a new plan replaces every older one; an older plan that spanned several comments
 * would leave its continuation parts standing above the new plan, pages of stale output. Each is
 * edited down to one line (its first part stays, with its own header). Returns how many it edited.
 */
export async function collapseReplacedParts(
  vcs: Pick<VcsClient, "ownComments" | "updateComment">,
  repo: RepoRef,
  pr: number,
  jobId: number,
): Promise<number> {
  const jobs = new Map<string, { id: number; body: string; part: number }[]>();
  for (const c of await vcs.ownComments(repo, pr)) {
    const marker = parseMarker(c.body);
    if (marker?.kind !== "job") continue;
    jobs.set(marker.jobId, [...(jobs.get(marker.jobId) ?? []), { ...c, part: marker.part }]);
  }
  let edited = 0;
  for (const [job, parts] of jobs) {
    const n = Number(job);
    if (!Number.isInteger(n) || n >= jobId) continue;
    const first = parts.find((p) => p.part === 1);
    if (!first?.body.includes("Sluice plan for")) continue;
    for (const p of parts) {
      if (p.part < 2 || p.body.includes(COLLAPSED) || p.body.includes("_(this part is no longer used)_")) continue;
      await vcs.updateComment(repo, p.id, printComment({ marker: jobMarker(job, p.part), text: COLLAPSED }));
      edited++;
    }
  }
  return edited;
}

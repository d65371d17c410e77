import type { RepoRef } from "../../model/repo.js";
import { repoFullName } from "../../model/repo.js";
import { PREVIEW_MARKER, renderPreviewComment } from "../../preview/render-preview.js";
import type { VcsClient } from "../../vcs/vcs-client.js";
import type { JobDeps } from "../../job-context/job-deps.js";

/** The PR's one preview comment, edited in place with every preview of the PR as the store has them now. */
export async function postPreviewComment(
  deps: Pick<JobDeps, "store">,
  vcs: VcsClient,
  repo: RepoRef,
  pr: number,
  notices: readonly string[],
  outputs: ReadonlyMap<string, string>,
  redact: (text: string) => string,
  now: number,
): Promise<void> {
  const previews = await deps.store.previewsOf(repoFullName(repo), pr);
  const body = redact(renderPreviewComment(previews, notices, outputs, now, redact));
  const earlier = await vcs.ownComment(repo, pr, PREVIEW_MARKER);
  if (earlier) await vcs.updateComment(repo, earlier.id, body);
  else await vcs.createComment(repo, pr, body, { mayExist: true });
}

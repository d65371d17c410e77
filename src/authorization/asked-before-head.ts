import type { HeadPushStore } from "../model/head-push.js";
import type { SpecOf } from "../model/job.js";
import type { PullRequestInfo } from "../model/pull-request.js";

/**
 * Whether a comment's `/apply` was written before the pull request's head was pushed (the
 * comment's `created_at` and the push's time, both GitHub's): such an `/apply`, delivered late
 * (GitHub redelivered it, or it waited behind other jobs) would otherwise apply a commit its writer
 * never saw, pushed by someone else meanwhile. Undefined for other triggers, a comment of unknown
 * time, or a head no push of which was heard of (the PR was opened with it, so no comment on it is
 * older).
 */
export async function askedBeforeHead(
  store: Pick<HeadPushStore, "headPushedAt">,
  spec: SpecOf<"apply">,
  repo: string,
  pr: Pick<PullRequestInfo, "number" | "headSha">,
): Promise<{ askedAt: string; pushedAt: string } | undefined> {
  if (spec.trigger !== "comment" || !spec.commentAt) return undefined;
  const pushedAt = await store.headPushedAt(repo, pr.number, pr.headSha);
  if (!pushedAt || !(Date.parse(spec.commentAt) < Date.parse(pushedAt))) return undefined;
  return { askedAt: spec.commentAt, pushedAt };
}

import type { HeadPushStore } from "../model/head-push.js";
import type { SpecOf } from "../model/job.js";
import type { PullRequestInfo } from "../model/pull-request.js";

/**
 * Whether a comment's command (`/apply`, `/import`, `/state rm`, `/state push-errored`) was written
 * before the pull request's head was pushed (the comment's `created_at` and the push's time, both
 * GitHub's): such a command, delivered late (GitHub redelivered it, or it waited behind other
 * jobs) would otherwise act on a commit its writer never saw, pushed by someone else meanwhile.
 * Undefined for other triggers, a comment of unknown time, or a head no push of which was heard
 * of (the PR was opened with it, so no comment on it is older).
 */
export async function askedBeforeHead(
  store: Pick<HeadPushStore, "headPushedAt">,
  spec: SpecOf<"apply"> | SpecOf<"state">,
  repo: string,
  pr: Pick<PullRequestInfo, "number" | "headSha">,
): Promise<{ askedAt: string; pushedAt: string } | undefined> {
  const commentAt = spec.kind === "apply" && spec.trigger !== "comment" ? undefined : spec.commentAt;
  if (!commentAt) return undefined;
  const pushedAt = await store.headPushedAt(repo, pr.number, pr.headSha);
  if (!pushedAt || !(Date.parse(commentAt) < Date.parse(pushedAt))) return undefined;
  return { askedAt: commentAt, pushedAt };
}

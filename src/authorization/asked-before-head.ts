import type { HeadPushStore } from "../model/head-push.js";
import type { SpecOf } from "../model/job.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { learnHeadPush } from "./head-push-facts.js";

/**
 * Whether a comment's command (`/apply`, `/import`, `/state rm`, `/state push-errored`) was written
 * before the pull request's head was pushed (the comment's `created_at` and the push's time, both
 * GitHub's): such a command, delivered late (GitHub redelivered it, or it waited behind other
 * jobs) would otherwise act on a commit its writer never saw, pushed by someone else meanwhile.
 * A push Sluice never heard of (its event lost) is read from GitHub's repository activity of the
 * head branch. Undefined for other triggers, a comment of unknown time, or a head whose push
 * neither was heard of nor is listed there (a fork's branch).
 */
export async function askedBeforeHead(
  store: Pick<HeadPushStore, "headPushedAt" | "recordHeadPush" | "headMovedAwaySince" | "otherHeadPushedAt">,
  vcs: Pick<VcsClient, "branchPushesOf">,
  spec: SpecOf<"apply"> | SpecOf<"state">,
  repo: RepoRef,
  pr: Pick<PullRequestInfo, "number" | "headSha" | "headRef" | "headRepo">,
): Promise<{ askedAt: string; pushedAt: string } | undefined> {
  const commentAt = spec.kind === "apply" && spec.trigger !== "comment" ? undefined : spec.commentAt;
  if (!commentAt) return undefined;
  const full = repoFullName(repo);
  const heard = await store.headPushedAt(full, pr.number, pr.headSha);
  // A head heard pushed, then moved away from (heard), is back by a push not heard: its time is
  // the activity's, the latest move of the branch to it.
  const pushedAt =
    heard !== undefined && !(await store.headMovedAwaySince(full, pr.number, pr.headSha))
      ? heard
      : ((await learnHeadPush(store, vcs, repo, pr))?.pushedAt ?? heard);
  if (!pushedAt || !(Date.parse(commentAt) < Date.parse(pushedAt))) return undefined;
  return { askedAt: commentAt, pushedAt };
}

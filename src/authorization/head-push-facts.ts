import type { HeadPush, HeadPushStore } from "../model/head-push.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import type { VcsClient } from "../vcs/vcs-client.js";

/**
 * Who pushed a pull request's head: the pushers its `synchronize` events named (none: those of
 * another pull request with the same head, as when a PR is opened from a branch another PR had
 * pushed to), or, when none was heard of (opened with it, a lost event, a head the heal sweep
 * found), the commit's author and committer on GitHub in their stead. Safe without blocking everyone: a reviewer who neither
 * pushed nor wrote the commit still counts. The one place every road asks.
 */
export async function headPushFacts(
  store: Pick<HeadPushStore, "headPushers" | "headPusherIds">,
  vcs: Pick<VcsClient, "commitUsers">,
  repo: RepoRef,
  pr: number,
  sha: string,
  /** Those whose latest review approves: GitHub is asked for the commit only when one could count. */
  approving: readonly string[],
): Promise<HeadPush> {
  const full = repoFullName(repo);
  const pushers = await store.headPushers(full, pr, sha);
  if (pushers.length) return { sha, known: true, pushers, pusherIds: await store.headPusherIds(full, pr, sha) };
  // The same commit pushed as another pull request's head (two PRs of one branch): GitHub sent
  // the push's event to the PRs open then, and its pusher is this head's too.
  const elsewhere = await store.headPushers(full, undefined, sha);
  if (elsewhere.length) return { sha, known: true, pushers: elsewhere, pusherIds: await store.headPusherIds(full, undefined, sha) };
  return { sha, known: false, standIns: approving.length ? await vcs.commitUsers(repo, sha) : [] };
}

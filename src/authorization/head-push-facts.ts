import type { HeadPush, HeadPushStore } from "../model/head-push.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import type { VcsClient } from "../vcs/vcs-client.js";

/**
 * Who pushed a pull request's head: the pushers its `synchronize` events named, or, when none was
 * heard of (opened with it, a lost event, a head the heal sweep found), the commit's author and
 * committer on GitHub in their stead. Safe without blocking everyone: a reviewer who neither
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
  const pushers = await store.headPushers(repoFullName(repo), pr, sha);
  if (pushers.length) return { sha, known: true, pushers, pusherIds: await store.headPusherIds(repoFullName(repo), pr, sha) };
  return { sha, known: false, standIns: approving.length ? await vcs.commitUsers(repo, sha) : [] };
}

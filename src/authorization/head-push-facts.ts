import type { BranchPushes, HeadPush, HeadPushStore } from "../model/head-push.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { type Actor, authorOf } from "../model/person.js";

/**
 * Who pushed a pull request's head: the pushers its `synchronize` events named (none: those of
 * another pull request with the same head, as when a PR is opened from a branch another PR had
 * pushed to, with those the activity below names); when none was heard of (opened with it, a lost event, a head the heal sweep found),
 * those GitHub's repository activity names as having moved the head branch to it (kept, as a
 * heard push is), read too when the head is back at a commit heard pushed before another; failing that (a fork's branch, a GitHub without the activity), the commit's
 * author and committer on GitHub in their stead. Safe without blocking everyone: a reviewer who
 * neither pushed nor wrote the commit still counts. The one place every road asks.
 */
export async function headPushFacts(
  store: Pick<HeadPushStore, "headPushers" | "headPusherIds" | "recordHeadPush" | "headMovedAwaySince" | "otherHeadPushedAt">,
  vcs: Pick<VcsClient, "commitUsers" | "branchPushesOf">,
  repo: RepoRef,
  pr: Pick<PullRequestInfo, "number" | "headSha" | "headRef" | "headRepo">,
  /** Those whose latest review approves: GitHub is asked only when one could count. */
  approving: readonly string[],
): Promise<HeadPush> {
  const full = repoFullName(repo);
  const sha = pr.headSha;
  const pushers = await store.headPushers(full, pr.number, sha);
  if (pushers.length) {
    const heard: HeadPush = { sha, known: true, pushers, pusherIds: await store.headPusherIds(full, pr.number, sha) };
    // Heard pushed, then another head heard after it: the head is back by a push Sluice did not
    // hear (its event lost, or not delivered yet), maybe another's; the branch's activity names them too.
    if (approving.length === 0 || !(await store.headMovedAwaySince(full, pr.number, sha))) return heard;
    const back = await learnHeadPush(store, vcs, repo, pr);
    return back ? withPushers(heard, back) : heard;
  }
  // The same commit pushed as another pull request's head (two PRs of one branch): GitHub sent
  // the push's event to the PRs open then, and its pusher is this head's too.
  const elsewhere = await store.headPushers(full, undefined, sha);
  const elsewhereIds = elsewhere.length ? await store.headPusherIds(full, undefined, sha) : [];
  const other: HeadPush = { sha, known: true, pushers: elsewhere, pusherIds: elsewhereIds };
  if (approving.length === 0) return elsewhere.length ? other : { sha, known: false, standIns: [] };
  // Another PR's push of the commit (any PR's: a fork's, anyone's) is not the move of this PR's
  // branch to it: the branch's own activity is read all the same, and both pushers count.
  const moved = await learnHeadPush(store, vcs, repo, pr);
  if (moved) return withPushers(other, moved);
  if (elsewhere.length) return other;
  return { sha, known: false, standIns: await vcs.commitUsers(repo, sha) };
}

/**
 * Whose code a pull request's head is, for a job no person asked for (a lock released, a head the
 * heal found): its author and the head's pushers as headPushFacts finds them: heard, else named
 * by GitHub's branch activity, else the commit's author and committer standing in.
 */
export async function headCodeUsers(
  store: Parameters<typeof headPushFacts>[0] & Pick<HeadPushStore, "headPusherAccounts">,
  vcs: Parameters<typeof headPushFacts>[1],
  repo: RepoRef,
  pr: Pick<PullRequestInfo, "number" | "headSha" | "headRef" | "headRepo" | "author" | "authorId">,
): Promise<Actor[]> {
  // Asked as for an approval the author gives: a head back by a push not heard is read too.
  const push = await headPushFacts(store, vcs, repo, pr, [pr.author]);
  // This PR's own pushers (heard, or just learned from its branch's activity) where there are any:
  // another PR's push of the same commit moved no branch of this one (anyone can push any commit
  // to a fork's PR), and asked as a planner it would refuse this PR's plan.
  // With the account ids their events gave: settings that name people match by id.
  const own = push.known ? await store.headPusherAccounts(repoFullName(repo), pr.number, pr.headSha) : [];
  // GitHub commits what its web editor saves as `web-flow`, an account no one pushes with (the
  // commit's author made it): asked as a planner, it would refuse every such head.
  const others = push.known ? push.pushers : push.standIns.filter((u) => u.toLowerCase() !== GITHUB_WEB_COMMITTER);
  const pushers = own.length ? own : others.map((login) => ({ login }));
  const author = authorOf(pr);
  const seen = new Set<string>();
  return [author, ...pushers].filter((u) => !seen.has(u.login.toLowerCase()) && seen.add(u.login.toLowerCase()));
}

/** The account GitHub signs web-editor and merge-button commits with (github.com/web-flow). */
const GITHUB_WEB_COMMITTER = "web-flow";

/** Those heard of and those the branch's activity names, all pushers (the activity's first, as before). */
function withPushers(heard: Extract<HeadPush, { known: true }>, moved: BranchPushes): HeadPush {
  return {
    sha: heard.sha,
    known: true,
    pushers: [...new Set([...moved.pushers.map((p) => p.login), ...heard.pushers])],
    pusherIds: [...new Set([...moved.pushers.map((p) => p.id), ...(heard.pusherIds ?? [])])],
  };
}

/**
 * The push of a head Sluice never heard of, from GitHub's repository activity of the head branch,
 * kept as a heard push is (pushers, time). Undefined for a fork's branch (the base repository's
 * activity does not list the fork's pushes, and its branch of that name is another) or when the
 * activity lists no such move.
 */
export async function learnHeadPush(
  store: Pick<HeadPushStore, "recordHeadPush" | "otherHeadPushedAt">,
  vcs: Pick<VcsClient, "branchPushesOf">,
  repo: RepoRef,
  pr: Pick<PullRequestInfo, "number" | "headSha" | "headRef" | "headRepo">,
): Promise<BranchPushes | undefined> {
  const full = repoFullName(repo);
  if (pr.headRepo.toLowerCase() !== full.toLowerCase()) return undefined;
  const found = await vcs.branchPushesOf(repo, pr.headRef, pr.headSha);
  if (!found) return undefined;
  const moved = { ...found, pushedAt: await afterOthers(store, full, pr, found.pushedAt) };
  for (const p of moved.pushers) await store.recordHeadPush(full, pr.number, pr.headSha, p.login, moved.pushedAt, p.id);
  return moved;
}

/**
 * The head is the pull request's now, so its latest move came after every other head's heard push:
 * GitHub's times are whole seconds, and one of the same second is kept just after the other's.
 * Kept at the very second, the head would still look moved away (at or after), and the branch's
 * activity be read again on every approval; a command of that second counts as written before it.
 * A move the activity dates in an earlier second is not the push back (the activity does not list
 * it yet): kept as it is, so the activity is read again.
 */
async function afterOthers(
  store: Pick<HeadPushStore, "otherHeadPushedAt">,
  full: string,
  pr: Pick<PullRequestInfo, "number" | "headSha">,
  pushedAt: string,
): Promise<string> {
  const other = await store.otherHeadPushedAt(full, pr.number, pr.headSha);
  const [otherMs, ms] = [other === undefined ? Number.NaN : Date.parse(other), Date.parse(pushedAt)];
  const sameSecond = Math.floor(otherMs / 1000) === Math.floor(ms / 1000);
  return sameSecond && otherMs >= ms ? new Date(otherMs + 1).toISOString() : pushedAt;
}

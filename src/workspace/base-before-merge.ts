/**
 * How long before a rebase merge's last commit its first can have been committed: GitHub makes
 * them one after the other, so their committer times can cross a second. A commit the base got
 * from another merge in these seconds is stepped over too: its config was trusted, only older.
 */
const REBASE_SECONDS = 10;

/**
 * The base branch as it was before a pull request's merge, both commits already in the mirror.
 * A merge commit's first parent. A squash or a rebase merge has one parent: a squash's is the
 * base, but a rebase merge ("Rebase and merge") makes each of the PR's commits anew on the base
 * and GitHub names the last one, so its parent may be the base plus the PR's own earlier commits.
 * Those are stepped over, back along the first parent, while they were committed with the merge
 * (GitHub commits a rebase merge's commits in one go, as itself: the same committer, within
 * REBASE_SECONDS of the merge), at most as many as the PR has. A commit's patch never decides: a
 * PR can carry copies of the base's own latest commits (cherry-picked, so its diff shows nothing
 * of them), and stepping over those would judge it by the base as it was before them, a config
 * the base has since tightened.
 */
export async function baseBeforeMerge(
  /** `git` in the repository's mirror, where both commits already are: its stdout. */
  gitOut: (args: string[]) => Promise<string>,
  mergeSha: string,
  prHeadSha: string,
): Promise<string> {
  const [, first, second] = (await gitOut(["rev-list", "--parents", "-n", "1", mergeSha])).trim().split(" ");
  if (!first) throw new Error(`the merge commit ${mergeSha} has no parent`);
  if (second) return first;
  const forkPoint = (await gitOut(["merge-base", mergeSha, prHeadSha])).trim();
  const prCommits = Number((await gitOut(["rev-list", "--count", "--no-merges", `${forkPoint}..${prHeadSha}`])).trim());
  // The merge and the commits before it that it could have made: hash, committer, commit time.
  const chain = (await gitOut(["log", "--first-parent", "-n", String(prCommits + 1), "--format=%H %ce %ct", mergeSha]))
    .trim()
    .split("\n")
    .map((line) => {
      const [sha = "", by = "", at = ""] = line.split(" ");
      return { sha, by, at: Number(at) };
    });
  const merge = chain[0];
  // Made with the merge: by its committer, in the seconds before it (GitHub makes them in one go).
  const withMerge = (c: (typeof chain)[number] | undefined) =>
    c !== undefined && merge !== undefined && c.by === merge.by && merge.at - c.at >= 0 && merge.at - c.at <= REBASE_SECONDS;
  let at = 1;
  while (at < prCommits && at < chain.length - 1 && withMerge(chain[at])) at++;
  return chain[at]?.sha ?? first;
}

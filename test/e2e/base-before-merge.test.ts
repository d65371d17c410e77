import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect, it } from "vitest";
import type { RepoRef } from "../../src/model/repo.js";
import { GitWorkspace } from "../../src/workspace/git-workspace.js";
import { commit, GITHUB_COMMITTER, git } from "../support/git-history.js";
import { testDir } from "../support/temp-dir.js";

// Which commit's config judges a merged PR (apply on merge): the base branch before the merge,
// found in real git histories of each kind of merge GitHub makes.

const root = testDir("sluice-base-before-merge-");
const config = (lines: string[]) => `${lines.join("\n")}\n`;
let n = 0;

/**
 * The base (B0), a PR of two commits (c1 loosens the config, c2 changes main.tf), and the base
 * moved on (B1 edits a line of c1's context): what GitHub then merges is built by `merge`.
 */
async function history(merge: (src: string, pr: { c1: string; c2: string }) => string) {
  const src = join(root, `src-${++n}`);
  mkdirSync(src);
  git(src, ["init", "-q", "-b", "main"]);
  commit(src, { ".sluice.yaml": config(["a", "b", "x", "y", "requirements: [approved]", "d"]), "main.tf": "# 1\n" }, 1_700_000_000);
  git(src, ["checkout", "-q", "-b", "pr"]);
  const c1 = commit(src, { ".sluice.yaml": config(["a", "b", "x", "y", "requirements: []", "d"]) }, 1_700_000_100);
  const c2 = commit(src, { "main.tf": "# 2\n" }, 1_700_000_200);
  git(src, ["checkout", "-q", "main"]);
  const b1 = commit(
    src,
    { ".sluice.yaml": config(["a", "b moved", "x", "y", "requirements: [approved]", "d"]) },
    1_700_000_300,
    GITHUB_COMMITTER,
  );
  const mergeSha = merge(src, { c1, c2 });
  const repo: RepoRef = { owner: "acme", name: `r${n}` };
  const ws = new GitWorkspace(join(root, `data-${n}`), (s) => s);
  mkdirSync(dirname(ws.mirrorDir(repo)), { recursive: true });
  git(root, ["clone", "-q", "--mirror", src, ws.mirrorDir(repo)]);
  return { base: b1, found: await ws.baseBeforeMerge(repo, mergeSha, c2) };
}

/** GitHub's "Rebase and merge": each PR commit made anew on the base, committed by GitHub in one go (`seconds`: when each). */
const rebaseMerge =
  (seconds = [1_700_000_400, 1_700_000_400]) =>
  (src: string, { c1, c2 }: { c1: string; c2: string }): string => {
    for (const [i, c] of [c1, c2].entries()) git(src, ["cherry-pick", "--allow-empty", c], seconds[i], GITHUB_COMMITTER);
    return git(src, ["rev-parse", "HEAD"]);
  };

it("a rebase merge whose replayed commit changed on the way (its context moved) is still stepped over", async () => {
  // B1 edited a line of c1's context: c1 made anew has another patch than c1 (git cherry
  // does not match it), but it was committed with the merge.
  const { base, found } = await history(rebaseMerge());
  expect(found).toBe(base);
});

it("a rebase merge whose commits' times cross a second is stepped over whole", async () => {
  const { base, found } = await history(rebaseMerge([1_700_000_399, 1_700_000_400]));
  expect(found).toBe(base);
});

it("control: a merge commit's first parent, and a squash's parent", async () => {
  const merged = await history((src, { c2 }) => {
    git(src, ["merge", "-q", "--no-ff", "-m", "merge", c2], 1_700_000_400, GITHUB_COMMITTER);
    return git(src, ["rev-parse", "HEAD"]);
  });
  expect(merged.found).toBe(merged.base);
  const squashed = await history((src, { c2 }) => {
    git(src, ["merge", "-q", "--squash", c2], 1_700_000_400);
    git(src, ["commit", "-q", "-m", "squash"], 1_700_000_400, GITHUB_COMMITTER);
    return git(src, ["rev-parse", "HEAD"]);
  });
  expect(squashed.found).toBe(squashed.base);
});

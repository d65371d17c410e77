import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect, it } from "vitest";
import type { RepoRef } from "../../src/model/repo.js";
import { GitWorkspace } from "../../src/workspace/git-workspace.js";
import { commit, GITHUB_COMMITTER, git } from "../support/git-history.js";
import { testDir } from "../support/temp-dir.js";

// A PR that carries copies (same patch) of the base's latest commits must not make apply on merge
// judge it by the base as it was before them: those commits were on the base before the merge,
// not made by it. The attack: fork before the base tightened its config, cherry-pick the
// tightening (the PR's diff then shows nothing of it), add the change, merge.

const root = testDir("sluice-base-rollback-");
const GH = GITHUB_COMMITTER;
let n = 0;

/**
 * B0 (loose config), then the base tightens it in `tightenings` commits (each merged by GitHub).
 * The PR forked at B0, cherry-picks every tightening (same patches), then changes main.tf.
 */
async function rollback(tightenings: number, merge: "squash" | "rebase") {
  const src = join(root, `src-${++n}`);
  mkdirSync(src);
  git(src, ["init", "-q", "-b", "main"]);
  const b0 = commit(src, { ".sluice.yaml": "apply_requirements: []\n", "main.tf": "# 1\n" }, 1_700_000_000);
  const base: string[] = [];
  for (let i = 1; i <= tightenings; i++) {
    base.push(commit(src, { [`rule-${i}.yaml`]: "apply_requirements: [approved]\n" }, 1_700_000_000 + i * 100, GH));
  }
  git(src, ["checkout", "-q", "-b", "pr", b0]);
  for (const b of base) git(src, ["cherry-pick", b], 1_700_100_000);
  const head = commit(src, { "main.tf": "# 2\n" }, 1_700_100_100);
  git(src, ["checkout", "-q", "main"]);
  const tip = git(src, ["rev-parse", "HEAD"]);
  if (merge === "squash") {
    git(src, ["merge", "-q", "--squash", head], 1_700_200_000);
    git(src, ["commit", "-q", "-m", "squash"], 1_700_200_000, GH);
  } else {
    // git (and GitHub) drop the cherry-picks already on the base; the last commit is made anew.
    git(src, ["cherry-pick", head], 1_700_200_000, GH);
  }
  const mergeSha = git(src, ["rev-parse", "HEAD"]);
  const repo: RepoRef = { owner: "acme", name: `r${n}` };
  const ws = new GitWorkspace(join(root, `data-${n}`), (s) => s);
  mkdirSync(dirname(ws.mirrorDir(repo)), { recursive: true });
  git(root, ["clone", "-q", "--mirror", src, ws.mirrorDir(repo)]);
  return { tip, b0, found: await ws.baseBeforeMerge(repo, mergeSha, head) };
}

it("a squash of a PR that carries a copy of the base's last commit is judged by the base's tip, not the commit before", async () => {
  const { tip, found } = await rollback(1, "squash");
  expect(found).toBe(tip);
});

it("a PR carrying copies of the base's last five commits cannot roll the trusted config back five commits (squash)", async () => {
  const { tip, b0, found } = await rollback(5, "squash");
  expect(found).not.toBe(b0);
  expect(found).toBe(tip);
});

it("nor on a rebase merge (the copies already on the base are not replayed)", async () => {
  const { tip, found } = await rollback(3, "rebase");
  expect(found).toBe(tip);
});

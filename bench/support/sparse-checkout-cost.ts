import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readRepoTreeAt } from "../../src/repo-reading/read-repo-tree.js";
import { scopeCheckout } from "../../src/repo-reading/scope-checkout.js";
import type { Project } from "../../src/model/project.js";
import type { RepoRef } from "../../src/model/repo.js";
import { GitWorkspace } from "../../src/workspace/git-workspace.js";
import { median } from "./stats.js";
import { largeChange, largeRepo } from "./tf-repo-files.js";
import { writeBareRepo } from "./write-bare-repo.js";

const REPO: RepoRef = { owner: "acme", name: "monorepo" };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The worktree a PR touching 50 of the 1,000 projects needs, written by the app's git adapter
 * from its mirror: sparse (the root's files, then the 50 dirs and their modules, after the tree
 * read that finds them) against a full worktree of the same commit. Each run starts with no
 * worktree to reuse. Also the disk's share: `cp -r` of a sparse worktree into a new dir of the
 * same data dir, right after a checkout was removed, as in the timed runs. Returns the medians in ms.
 */
export async function sparseCheckoutCost(
  reps: number,
): Promise<{ sparseMs: number; fullMs: number; files: number; copyMs: number; sparseFiles: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), "sluice-bench-sparse-"));
  try {
    const workspace = new GitWorkspace(dataDir);
    const sha = await writeBareRepo(workspace.mirrorDir(REPO), largeRepo());
    const projects: Project[] = largeChange(50, "v1").dirs.map((dir) => ({ name: dir, dir, workspace: "default", runner: "terraform" }));
    const req = { repo: REPO, cloneUrl: "file:///nowhere", token: "t", headSha: sha, baseSha: sha, baseRef: "main" };
    let pr = 0;
    const kept = join(dataDir, "sparse-copy");
    const once = async (sparse: boolean) => {
      const started = performance.now();
      const checkout = await workspace.checkout({ ...req, pr: ++pr, sparse });
      if (sparse) {
        const tree = await readRepoTreeAt(workspace, REPO, sha, checkout.files);
        const scope = await scopeCheckout({ workspace, log: quiet }, REPO, checkout, tree, projects, {
          enabled: true,
          customWorkflow: () => false,
        });
        if (!scope.sparse) throw new Error(`the bench repo should check out sparse: ${scope.reason}`);
      }
      const ms = performance.now() - started;
      if (sparse) {
        await rm(kept, { recursive: true, force: true });
        await promisify(execFile)("cp", ["-r", checkout.dir, kept]);
      }
      checkout.release();
      await workspace.removePr(REPO, pr);
      return ms;
    };
    await once(true);
    await once(false);
    const sparse: number[] = [];
    const full: number[] = [];
    for (let r = 0; r < reps; r++) {
      sparse.push(await once(true));
      full.push(await once(false));
    }
    const copies: number[] = [];
    for (let r = 0; r < reps; r++) {
      const to = join(dataDir, `copy-${r}`);
      const started = performance.now();
      await promisify(execFile)("cp", ["-r", kept, to]);
      copies.push(performance.now() - started);
      await rm(to, { recursive: true, force: true });
    }
    const sparseFiles = (await readdir(kept, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
    return { sparseMs: median(sparse), fullMs: median(full), files: 20_000, copyMs: median(copies), sparseFiles };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { dataPaths } from "../../src/workspace/data-paths.js";
import { GitWorkspace } from "../../src/workspace/git-workspace.js";
import { testDir } from "../support/temp-dir.js";

// A worktree is discarded by a rename into the trash, then removed: a Sluice stopped in between
// (a restart, an OOM kill, likelier with the worktrees in memory) left it there for ever. On a
// tmpfs (SLUICE_WORKTREE_DIR) that is memory held until the host reboots.
it("what a stopped Sluice left in the worktrees' trash is removed at start", async () => {
  const base = testDir("sluice-trash-sweep-");
  const dataDir = join(base, "data");
  const root = dataPaths.worktreeRoot(dataDir, join(base, "shm"));
  const left = join(root, "worktrees", ".trash", "0123456789abcdef");
  mkdirSync(join(left, "deep", "er"), { recursive: true });
  writeFileSync(join(left, "deep", "er", "big.bin"), Buffer.alloc(1024 * 1024));
  new GitWorkspace(dataDir, undefined, undefined, undefined, undefined, root);
  await expect.poll(() => existsSync(left), { timeout: 5_000 }).toBe(false);
});

import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { checkWorktreeRoot } from "../../src/app/check-worktree-root.js";
import { dataPaths } from "../../src/workspace/data-paths.js";
import { GitWorkspace } from "../../src/workspace/git-workspace.js";
import { type Simulator, startSimulator } from "../simulator/github-simulator.js";

// SLUICE_WORKTREE_DIR on a shared tmpfs: Sluice's dir there (0700) is checked at start only. A
// cleanup of the tmpfs (systemd-tmpfiles on /tmp, RemoveIPC on /dev/shm) removes it while Sluice
// runs; the next checkout made it again with mkdir -p (0755: every PR's files readable by every
// local user), or, when another user made the name first meanwhile, wrote the PR into theirs.

let sim: Simulator;
let base: string;
beforeAll(async () => {
  sim = await startSimulator({ webhookSecret: "worktree-root-vanished" });
  base = await mkdtemp(join(tmpdir(), "sluice-wt-vanished-"));
});
afterAll(async () => {
  await sim?.stop();
  if (base) await rm(base, { recursive: true, force: true });
});

async function setUp(name: string) {
  const repo = await sim.createRepo({ owner: "acme", name, files: { "net/main.tf": "# net\n" } });
  const headSha = await sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": "# secret\n" } });
  const pr = await sim.openPullRequest(repo, { head: "change", author: "alice" });
  const baseSha = execFileSync("git", ["rev-parse", "refs/heads/main"], { cwd: sim.repoDir(repo), encoding: "utf8" }).trim();
  // A shared tmpfs: sticky and open to all, as /dev/shm.
  const shm = join(base, name, "shm");
  mkdirSync(shm, { recursive: true });
  chmodSync(shm, 0o1777);
  const dataDir = join(base, name, "data");
  const root = dataPaths.worktreeRoot(dataDir, shm);
  checkWorktreeRoot(shm, root);
  const workspace = new GitWorkspace(dataDir, undefined, undefined, undefined, undefined, root);
  const req = {
    repo: { owner: "acme", name },
    cloneUrl: repo.cloneUrl,
    token: sim.mintToken(),
    pr: pr.number,
    headSha,
    baseSha,
    baseRef: "main",
  };
  return { workspace, req, root };
}

it.runIf(process.getuid?.() === 0)("another user's dir in its place after start: no PR's files are written into it", async () => {
  const { workspace, req, root } = await setUp("taken");
  await rm(root, { recursive: true });
  // Another local user makes the name first, open to them.
  mkdirSync(root);
  chmodSync(root, 0o777);
  chownSync(root, 54321, 54321);
  await expect(workspace.checkout(req)).rejects.toThrow(/no longer Sluice's own/);
  expect(readdirSync(root)).toEqual([]);
});

it("removed after start: made again 0700, not 0755", async () => {
  const { workspace, req, root } = await setUp("removed");
  await rm(root, { recursive: true });
  const checkout = await workspace.checkout(req);
  try {
    expect(existsSync(join(checkout.dir, "net/main.tf"))).toBe(true);
    expect((statSync(root).mode & 0o777).toString(8)).toBe("700");
  } finally {
    checkout.release();
  }
});

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { GitWorkspace } from "../../src/workspace/git-workspace.js";
import { type Simulator, startSimulator } from "../simulator/github-simulator.js";

// A plan job fetches the PR's commits while it still reads GitHub (GitWorkspace.prefetch): the
// checkout after it finds them there, and nothing of the PR is written to disk before it.

let sim: Simulator;
let root: string;
beforeAll(async () => {
  sim = await startSimulator({ webhookSecret: "prefetch-checkout" });
  root = await mkdtemp(join(tmpdir(), "sluice-prefetch-"));
});
afterAll(async () => {
  await sim?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function setUp(name: string) {
  const repo = await sim.createRepo({ owner: "acme", name, files: { "net/main.tf": "# net\n" } });
  const headSha = await sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": "# net, changed\n" } });
  const pr = await sim.openPullRequest(repo, { head: "change", author: "alice" });
  const baseSha = execFileSync("git", ["rev-parse", "refs/heads/main"], { cwd: sim.repoDir(repo), encoding: "utf8" }).trim();
  const workspace = new GitWorkspace(join(root, name));
  const ref = { owner: "acme", name };
  const req = { repo: ref, cloneUrl: repo.cloneUrl, token: sim.mintToken(), pr: pr.number, headSha, baseSha, baseRef: "main" };
  return { repo, workspace, req };
}

const gitCallsSince = (from: number) => sim.calls.slice(from).filter((c) => c.kind === "git");

/** Checks `req` out, expecting it to fetch head and base anew and its `net/main.tf` to read `text`. */
async function fetchedAnew(workspace: GitWorkspace, req: Parameters<GitWorkspace["checkout"]>[0], text: string) {
  const before = sim.calls.length;
  const checkout = await workspace.checkout(req);
  try {
    expect(gitCallsSince(before).map((c) => c.method)).toEqual(["GET", "POST"]);
    expect(readFileSync(join(checkout.dir, "net/main.tf"), "utf8")).toBe(text);
  } finally {
    checkout.release();
  }
}

it("a prefetch fetches head and base and writes no worktree; the checkout after it fetches nothing more", async () => {
  const { workspace, req } = await setUp("prefetched");
  const before = sim.calls.length;
  await workspace.prefetch(req);
  expect(gitCallsSince(before).map((c) => c.method)).toEqual(["GET", "POST"]);
  expect(existsSync(workspace.prDir(req.repo, req.pr))).toBe(false);

  const after = sim.calls.length;
  const checkout = await workspace.checkout(req);
  try {
    expect(gitCallsSince(after)).toEqual([]);
    expect(checkout.headSha).toBe(req.headSha);
    expect(readFileSync(join(checkout.dir, "net/main.tf"), "utf8")).toBe("# net, changed\n");
    expect(checkout.changedFiles).toEqual(["net/main.tf"]);
  } finally {
    checkout.release();
  }
});

it("control: a prefetch of another head does not stand for the checkout, which fetches its own", async () => {
  const { repo, workspace, req } = await setUp("moved-on");
  await workspace.prefetch(req);
  const newer = await sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": "# net, changed again\n" } });
  await fetchedAnew(workspace, { ...req, headSha: newer }, "# net, changed again\n");
});

it("a mirror cloned anew after the prefetch (another job's repair) does not stand for the checkout: it fetches again", async () => {
  const { workspace, req } = await setUp("recloned");
  await workspace.prefetch(req);
  // What GitMirrors.complete does for a job whose commits it cannot repair otherwise.
  const mirrors = (workspace as unknown as { mirrors: { reclone(repo: typeof req.repo, cloneUrl: string): Promise<void> } }).mirrors;
  await mirrors.reclone(req.repo, req.cloneUrl);
  await fetchedAnew(workspace, req, "# net, changed\n");
});

it("a mirror made anew after the prefetch (its dir removed: an operator freeing the disk) does not stand for the checkout either", async () => {
  const { workspace, req } = await setUp("removed");
  await workspace.prefetch(req);
  await rm(workspace.mirrorDir(req.repo), { recursive: true, force: true });
  await fetchedAnew(workspace, req, "# net, changed\n");
});

it("a prefetch of a commit the server does not have fails as the checkout would, and the checkout still says so", async () => {
  const { workspace, req } = await setUp("gone");
  const gone = { ...req, headSha: "0123456789abcdef0123456789abcdef01234567" };
  await expect(workspace.prefetch(gone)).rejects.toThrow("could not be fetched (force-pushed away?)");
  await expect(workspace.checkout(gone)).rejects.toThrow("could not be fetched (force-pushed away?)");
});

import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { previewComment, stateInputs, storeRows, waitPreviewComment } from "../support/previews.js";
import { untilIdle } from "../support/until-idle.js";

/**
 * A preview's teardown plans the commit it was applied from. After a force-push (whose plan
 * failed, so the preview stayed at that commit) GitHub may no longer serve it, and a replica, or
 * a data dir made anew, has no copy: the checkout threw, the close's teardown failed in the log
 * only ("the sweep retries it"), the preview stayed `❌ apply failed` on the PR, never
 * `destroy failed`, and nothing said on the PR that it was still standing.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "allowed_overrides: [preview]\n" });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const git = promisify(execFile);
const CONFIG = "version: 1\nprojects:\n  - name: app\n    dir: app\n    preview: {}\n";
const appTf = (dir: string, v: string) =>
  `terraform {\n  backend "local" {\n    path          = "${join(dir, "prod.tfstate")}"\n    workspace_dir = "${join(dir, "ws")}"\n  }\n}\nresource "terraform_data" "web" {\n  input = "\${terraform.workspace}-${v}"\n}\n`;

const statusOf = (repo: string) =>
  storeRows<{ status: string }>(h, "SELECT status FROM previews WHERE repo = ?", repo).map((r) => r.status);

describe("a preview whose commit is gone", { timeout: 300_000 }, () => {
  it("is kept as destroy failed, said on the PR, and retried: never left as it was with a word in the log alone", async () => {
    const dir = await mkdtemp(join(h.stateDir, "gone-"));
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "gone-1",
      files: { ".sluice.yaml": CONFIG, "app/main.tf": appTf(dir, "v1") },
    });
    await h.sim.pushBranch(repo, { branch: "feature", files: { "app/main.tf": appTf(dir, "v2") } });
    const pr = await h.sim.openPullRequest(repo, { head: "feature", author: "alice" });
    await waitPreviewComment(h, repo, pr.number, /✅ live/, "no live preview");
    await untilIdle(h.app.dataDir);
    // Force-pushed: the branch starts again from main, with a plan that fails (the preview stays at the first commit).
    await h.sim.pushBranch(repo, { branch: "feature", from: "main", files: { "app/main.tf": `${appTf(dir, "v3")}\nresource "x" {\n` } });
    await waitPreviewComment(h, repo, pr.number, /plan failed/, "the force-push's plan did not fail");
    await untilIdle(h.app.dataDir);
    // GitHub collects the commit nothing reaches; this Sluice's copy lacks it too
    // (another replica's mirror, one made anew).
    await git("git", ["-C", repo.dir, "reflog", "expire", "--expire=now", "--all"]);
    await git("git", ["-C", repo.dir, "gc", "--prune=now", "--quiet"]);
    await expect(git("git", ["-C", repo.dir, "cat-file", "-e", `${pr.headSha}^{commit}`])).rejects.toThrow();
    const mirror = join(h.app.dataDir, "repos", "acme__gone-1.git");
    await rm(join(h.app.dataDir, "worktrees", "acme__gone-1"), { recursive: true, force: true });
    await git("git", ["-C", mirror, "worktree", "prune"]);
    for (const keep of (await readdir(join(mirror, "objects", "pack"))).filter((f) => f.endsWith(".keep")))
      await rm(join(mirror, "objects", "pack", keep));
    await git("git", ["-C", mirror, "reflog", "expire", "--expire=now", "--all"]);
    await git("git", ["-C", mirror, "gc", "--prune=now", "--quiet"]);
    await expect(git("git", ["-C", mirror, "cat-file", "-e", `${pr.headSha}^{commit}`])).rejects.toThrow();

    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);
    const said = previewComment(h, repo, pr.number);
    expect(statusOf(repo.fullName), said).toEqual(["destroy-failed"]);
    expect(said).toContain("could not be checked out");
    expect(said).toContain("⚠️ destroy failed, retrying");
    // Nothing was destroyed (nothing could be planned), and nothing claims it was.
    expect(await stateInputs(join(dir, "ws", `pr-${pr.number}`, "terraform.tfstate"))).toEqual([`pr-${pr.number}-v2`]);
  });
});

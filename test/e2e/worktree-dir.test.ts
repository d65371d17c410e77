import { existsSync } from "node:fs";
import { mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataPaths } from "../../src/workspace/data-paths.js";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { removeDir } from "../support/start-app.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

/**
 * SLUICE_WORKTREE_DIR: the worktrees (and their indexes) go to a dir of their own, on a tmpfs
 * where the machine has one, as an operator would put them; plans, state and the store stay in
 * the data dir. A plan reads the PR's files there, an apply is read back, a closed PR's go.
 */
let h: Harness;
let worktreeDir: string;
beforeAll(async () => {
  worktreeDir = await mkdtemp(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "sluice-worktrees-"));
  h = await startHarness({ serverConfig: "apply_requirements: []\n", env: { SLUICE_WORKTREE_DIR: worktreeDir } });
  h.sim.addUser("bob");
});
afterAll(async () => {
  await h?.stop();
  await removeDir(worktreeDir);
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe("SLUICE_WORKTREE_DIR", () => {
  it("plans and applies from worktrees written there, none in the data dir; closing the PR removes them", async () => {
    const state = join(h.stateDir, "net.tfstate");
    // The plan shows a file of the PR's, read where the run sees its checkout.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's interpolation, not a JS placeholder
    const note = 'resource "terraform_data" "note" {\n  input = trimspace(file("${path.module}/note.txt"))\n}\n';
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "elsewhere",
      files: { "net/main.tf": statefulProject("net", state, 0), "net/note.txt": "first\n" },
    });
    h.sim.setPermission(repo, "bob", "write");
    await h.sim.pushBranch(repo, {
      branch: "grow",
      files: { "net/main.tf": statefulProject("net", state, 1, note), "net/note.txt": "from-the-pr\n" },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "bob" });
    await h.sim.waitFor(() => /Plan: 2 to add/.test(bot(repo, pr.number)[0]?.body ?? ""), { timeoutMs: 90_000 });
    expect(bot(repo, pr.number)[0]?.body).toContain("from-the-pr");

    const root = dataPaths.worktreeRoot(h.app.dataDir, worktreeDir);
    const prWorktrees = dataPaths.prWorktrees(root, repo, pr.number);
    expect(await readdir(prWorktrees)).toEqual([pr.headSha]);
    expect(await exists(join(prWorktrees, pr.headSha, "net", "note.txt"))).toBe(true);
    // Its index beside it, never inside the checkout a run sees.
    expect(await exists(join(root, "checkout-index"))).toBe(true);
    // Control: nothing of it in the data dir, where worktrees go without the setting.
    expect(await exists(join(h.app.dataDir, "worktrees"))).toBe(false);
    expect(await exists(join(h.app.dataDir, "checkout-index"))).toBe(false);
    // Only Sluice's user enters the dir on what may be a shared tmpfs.
    expect((await stat(root)).mode & 0o777).toBe(0o700);

    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await h.sim.waitFor(() => /·\s*(✅|❌|⛔)/.test(bot(repo, pr.number)[1]?.body ?? ""), { timeoutMs: 90_000 });
    expect(bot(repo, pr.number)[1]?.body).toMatch(/✅ applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.note"]);

    await h.sim.closePullRequest(repo, pr.number);
    await h.sim.waitFor(async () => !(await exists(prWorktrees)), { message: "the closed PR's worktrees are still there" });
  });
});

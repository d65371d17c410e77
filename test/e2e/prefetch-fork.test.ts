import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { bot, completed, unfinishedJobs } from "./trust-holes-support.js";

// A plan job fetches a pull request's commits while it reads GitHub's permissions (prefetch): only
// a pull request of the repository itself, never a fork's before its author may plan. Anyone can
// open a fork's pull request, on a server that plans forks too, and push to it again and again.

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "allow_fork_prs: true\n" });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const wanted = (repo: { fullName: string }, sha: string) => h.sim.gitWants.some((w) => w.repo === repo.fullName && w.wants.includes(sha));

describe("a stranger's fork on a server that plans forks", { timeout: 300_000 }, () => {
  it("is not fetched when its author may not plan; a writer's pull request is", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "prefetch-fork", files: { "app/main.tf": tfProject("app", 1) } });
    h.sim.setPermission(repo, "bob", "write");
    await h.sim.pushBranch(repo, { branch: "junk", files: { "app/main.tf": tfProject("app", 3), "blob.bin": "x".repeat(100_000) } });
    const fork = await h.sim.openPullRequest(repo, { head: "junk", author: "mallory", headRepo: "mallory/prefetch-fork" });
    await h.sim.waitFor(
      () => /Not planned automatically/.test(bot(h, repo, fork.number)[0]?.body ?? "") && unfinishedJobs(h.app.dataDir) === 0,
      { message: "no finished refusal of mallory's autoplan", timeoutMs: 60_000 },
    );
    expect(wanted(repo, fork.headSha), "the fork's head was fetched before its author's permission").toBe(false);

    // The control: bob's pull request of the repository is fetched and planned.
    await h.sim.pushBranch(repo, { branch: "change", files: { "app/main.tf": tfProject("app", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "bob" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    expect(wanted(repo, pr.headSha)).toBe(true);
  });
});

import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { completed, say } from "./trust-holes-support.js";

/**
 * An open pull request's base is its base branch's tip now (d97802c), so a merge to main that
 * touches nothing of the PR makes its plan stale ("the base branch moved"), and it is planned
 * again. The approvals given for the first plan still count when the new plan of the same head
 * changes nothing: what the reviewers approved is what is applied.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: [approved]\n" });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

/** bob's PR growing net, planned and approved by carol; then main moves under it. */
async function approvedThenMainMoved(name: string, mainFiles: Record<string, string>) {
  const state = join(h.stateDir, `${name}.tfstate`);
  for (const u of ["bob", "carol"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "bob" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  await h.sim.approve(repo, pr.number, "carol");
  await h.sim.pushBranch(repo, { branch: "main", files: mainFiles });
  return { repo, pr, state };
}

describe("a pull request's approved plan after an unrelated merge to its base branch", { timeout: 300_000 }, () => {
  it("is stale, and once planned again unchanged, the approval given before still applies it", async () => {
    const { repo, pr, state } = await approvedThenMainMoved("base-moved-approved", { "README.md": "docs only\n" });
    expect(await say(h, repo, pr.number, "bob", "/apply")).toContain("base branch moved");
    expect(await stateResources(state)).toEqual([]);
    // Approvals are timed to the second: the new plan is made in a later one than the approval.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await say(h, repo, pr.number, "bob", "/plan")).toContain("Plan");
    const reply = await say(h, repo, pr.number, "bob", "/apply");
    expect(reply).not.toContain("⛔");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });
});

import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";
import { bot, completed } from "./trust-holes-support.js";

// Apply on merge trusts the merge because branch protection decides who may merge into the
// default branch (or a protected branch the server lists in `trusted_branches`). Into any other
// branch, whoever may push to it may merge: such a merge applies nothing, and says why.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    serverConfig: ["apply_on: merge", 'trusted_branches: ["release"]', "permissions:", '  - { match: "acme/*:net", apply: [carol] }'].join(
      "\n",
    ),
  });
});
afterAll(async () => {
  await h?.stop();
});

/** `net` grown to two resources by bob (write, not in `permissions.apply`), in a PR into `base`, planned and approved by alice. */
async function plannedPrInto(name: string, base: string, protect = false) {
  const state = join(h.stateDir, `${name}.tfstate`);
  for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
  if (base !== "main") await h.sim.pushBranch(repo, { branch: base, files: { "README.md": "side branch\n" } });
  if (protect) h.sim.protectBranch(repo, base);
  await h.sim.pushBranch(repo, { branch: "grow", from: base, files: { "net/main.tf": statefulProject("net", state, 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", base, author: "bob", title: "grow net" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  await h.sim.approve(repo, pr.number, "alice");
  return { repo, pr, state };
}

describe("apply on merge into a branch no protection guards", () => {
  it("bob, who may not apply `net`, merges his own PR into a branch he made: nothing is applied, and the PR says why", async () => {
    const { repo, pr, state } = await plannedPrInto("untrusted-scratch", "scratch");
    // His `/apply` is refused by the permissions rule.
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await completed(h, repo, pr.headSha, "sluice/apply");
    expect(await stateResources(state)).toEqual([]);
    await h.sim.mergePullRequest(repo, pr.number, { user: "bob" });
    await untilIdle(h.app.dataDir, 120_000, repo);
    const said = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(await stateResources(state)).toEqual([]);
    expect(said).toContain("a merge into `scratch` applies nothing");
  }, 300_000);

  it("control: a merge into the default branch, and into a protected branch in `trusted_branches`, applies", async () => {
    const intoMain = await plannedPrInto("trusted-main", "main");
    await h.sim.mergePullRequest(intoMain.repo, intoMain.pr.number, { user: "bob" });
    expect((await completed(h, intoMain.repo, intoMain.pr.headSha, "sluice/apply")).conclusion).toBe("success");
    expect(await stateResources(intoMain.state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
    const intoRelease = await plannedPrInto("trusted-release", "release", true);
    await h.sim.mergePullRequest(intoRelease.repo, intoRelease.pr.number, { user: "bob" });
    expect((await completed(h, intoRelease.repo, intoRelease.pr.headSha, "sluice/apply")).conclusion).toBe("success");
    expect(await stateResources(intoRelease.state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  }, 300_000);
});

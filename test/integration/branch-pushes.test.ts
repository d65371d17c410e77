import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VcsClient } from "../../src/vcs/vcs-client.js";
import type { Simulator } from "../simulator/github-simulator.js";
import type { SimRepo } from "../simulator/sim-types.js";
import { simulatorVcs } from "../support/simulator-vcs.js";

// Who moved a branch to a commit, read from GitHub's repository activity (the adapter against the
// simulator): what stands in for a `synchronize` Sluice never heard.
describe("branchPushesOf: the pushers GitHub's repository activity names", () => {
  let sim: Simulator;
  let vcs: VcsClient;
  let repo: SimRepo;
  const ref = { owner: "acme", name: "activity" };

  beforeAll(async () => {
    ({ sim, vcs } = await simulatorVcs());
    repo = await sim.createRepo({ owner: "acme", name: "activity", files: { "a.tf": "# a\n" } });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("a branch pushed by bob, then a PR opened from it by alice: bob pushed that commit, with the push's time", async () => {
    const sha = await sim.pushBranch(repo, { branch: "grow", files: { "a.tf": "# b\n" }, pusher: "bob" });
    await sim.openPullRequest(repo, { head: "grow", author: "alice" });
    const found = await vcs.branchPushesOf(ref, "grow", sha);
    expect(found?.pushers.map((p) => p.login)).toEqual(["bob"]);
    expect(found?.pushers[0]?.id).toBeGreaterThan(0);
    expect(Date.parse(found?.pushedAt ?? "")).toBeGreaterThan(0);
    // Control: the commit before is not one bob moved this branch to; nor is another branch's.
    expect(await vcs.branchPushesOf(ref, "other", sha)).toBeUndefined();
  });

  it("a branch pushed with no pusher named is its PR author's; a later push to the PR is its sender's", async () => {
    const first = await sim.pushBranch(repo, { branch: "mine", files: { "a.tf": "# c\n" } });
    const pr = await sim.openPullRequest(repo, { head: "mine", author: "carol" });
    expect((await vcs.branchPushesOf(ref, "mine", first))?.pushers.map((p) => p.login)).toEqual(["carol"]);
    const next = await sim.pushToPullRequest(repo, pr.number, { "a.tf": "# d\n" }, { sender: "dan" });
    expect((await vcs.branchPushesOf(ref, "mine", next.headSha))?.pushers.map((p) => p.login)).toEqual(["dan"]);
    expect((await vcs.branchPushesOf(ref, "mine", first))?.pushers.map((p) => p.login)).toEqual(["carol"]);
  });

  it("bob moved the branch to the commit, and so did an account since deleted (no actor): bob is named all the same", async () => {
    const sha = await sim.pushBranch(repo, { branch: "ghosted", files: { "a.tf": "# g\n" }, pusher: "bob" });
    // The same commit pushed there again by an account deleted since: GitHub lists it without an actor.
    const moved = repo.activities?.find((a) => a.ref === "refs/heads/ghosted" && a.after === sha);
    if (!moved) throw new Error("no activity of the push");
    repo.activities?.push({ ...moved, id: moved.id + 100_000, activityType: "force_push", actor: undefined });
    expect((await vcs.branchPushesOf(ref, "ghosted", sha))?.pushers.map((p) => p.login)).toEqual(["bob"]);
    // Control: moved there only by that deleted account, no one is named (the caller's stand-ins then).
    const alone = await sim.pushBranch(repo, { branch: "ghost-only", files: { "a.tf": "# h\n" } });
    expect(await vcs.branchPushesOf(ref, "ghost-only", alone)).toBeUndefined();
  });

  it("a GitHub without the activity endpoint (404): nothing, not a failure", async () => {
    const sha = await sim.pushBranch(repo, { branch: "old-ghes", files: { "a.tf": "# e\n" }, pusher: "bob" });
    sim.serveWithoutActivity(true);
    try {
      expect(await vcs.branchPushesOf(ref, "old-ghes", sha)).toBeUndefined();
    } finally {
      sim.serveWithoutActivity(false);
    }
    expect((await vcs.branchPushesOf(ref, "old-ghes", sha))?.pushers.map((p) => p.login)).toEqual(["bob"]);
    expect(sim.unknownCalls).toEqual([]);
  });
});

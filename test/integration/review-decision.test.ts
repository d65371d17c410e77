import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VcsClient } from "../../src/vcs/vcs-client.js";
import { manifestPermissions } from "../simulator/installation-permissions.js";
import type { Simulator } from "../simulator/github-simulator.js";
import { simulatorVcs } from "../support/simulator-vcs.js";
import type { SimRepo } from "../simulator/sim-types.js";

// The GitHub adapter's review decision (GraphQL at GitHub Enterprise Server's /api/graphql) against the simulator.
describe("a pull request's review decision, as branch protection's review rules say", () => {
  let sim: Simulator;
  let vcs: VcsClient;
  let repo: SimRepo;
  const ref = () => ({ owner: "acme", name: "reviewed" });

  beforeAll(async () => {
    ({ sim, vcs } = await simulatorVcs());
    for (const u of ["bob", "carol"]) sim.setPermission("acme/reviewed", u, "write");
    sim.setPermission("acme/reviewed", "rita", "read");
    repo = await sim.createRepo({ owner: "acme", name: "reviewed", files: { "a.tf": "# a\n" } });
    await sim.pushBranch(repo, { branch: "change", files: { "a.tf": "# b\n" } });
    await sim.openPullRequest(repo, { head: "change", author: "alice" });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("none without a review rule; required while approvals are missing, as the PR's mergeable_state `blocked` says; approved once given", async () => {
    expect((await vcs.mergeBlockers(ref(), 1)).reviewDecision).toBeNull();
    expect((await vcs.pullRequest(ref(), 1)).mergeableState).toBe("clean");
    sim.protectBranch(repo, "main", { requiredReviews: 1 });
    expect((await vcs.mergeBlockers(ref(), 1)).reviewDecision).toBe("REVIEW_REQUIRED");
    expect((await vcs.pullRequest(ref(), 1)).mergeableState).toBe("blocked");
    // The author's own approval and a reader's do not count.
    await sim.approve(repo, 1, "alice");
    await sim.approve(repo, 1, "rita");
    expect((await vcs.mergeBlockers(ref(), 1)).reviewDecision).toBe("REVIEW_REQUIRED");
    await sim.approve(repo, 1, "bob");
    expect((await vcs.mergeBlockers(ref(), 1)).reviewDecision).toBe("APPROVED");
    expect((await vcs.pullRequest(ref(), 1)).mergeableState).toBe("clean");
    await sim.requestChanges(repo, 1, "carol");
    expect((await vcs.mergeBlockers(ref(), 1)).reviewDecision).toBe("CHANGES_REQUESTED");
    expect(sim.unknownCalls).toEqual([]);
  });

  it("an installation without Pull requests gets GraphQL's FORBIDDEN error, which the adapter throws (control: granted, it reads)", async () => {
    const granted = manifestPermissions();
    sim.setInstallationPermissions(Object.fromEntries(Object.entries(granted).filter(([name]) => name !== "pull_requests")));
    try {
      await expect(vcs.mergeBlockers(ref(), 1)).rejects.toThrow(/Resource not accessible by integration/);
    } finally {
      sim.setInstallationPermissions(granted);
    }
    expect((await vcs.mergeBlockers(ref(), 1)).reviewDecision).toBe("CHANGES_REQUESTED");
  });

  it("a query the simulator does not know is an error and an unknown call", async () => {
    const res = await fetch(`${sim.url}/api/graphql`, {
      method: "POST",
      headers: { authorization: `token ${sim.mintToken()}`, "content-type": "application/json" },
      body: JSON.stringify({ query: "{ viewer { login } }" }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    expect(sim.unknownCalls.map((c) => c.path)).toEqual(["/graphql"]);
  });
});

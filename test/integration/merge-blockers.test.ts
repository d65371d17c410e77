import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeability } from "../../src/policy/mergeability.js";
import type { VcsClient } from "../../src/vcs/vcs-client.js";
import { manifestPermissions } from "../simulator/installation-permissions.js";
import type { Simulator } from "../simulator/github-simulator.js";
import { simulatorVcs } from "../support/simulator-vcs.js";
import type { SimRepo } from "../simulator/sim-types.js";

// The GitHub adapter's read of what blocks a PR (one GraphQL query: review decision and the head's
// status check rollup) against the simulator, and the simulator's Status API beside it.
describe("what blocks a pull request: review decision, check runs and commit statuses, each required or not", () => {
  let sim: Simulator;
  let vcs: VcsClient;
  let repo: SimRepo;
  let pr: Awaited<ReturnType<Simulator["openPullRequest"]>>;
  const ref = () => ({ owner: "acme", name: "blocked" });
  const api = (method: string, path: string, body?: object) =>
    fetch(`${sim.url}/api/v3${path}`, {
      method,
      headers: { authorization: `token ${sim.mintToken()}`, "content-type": "application/json" },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  beforeAll(async () => {
    ({ sim, vcs } = await simulatorVcs());
    repo = await sim.createRepo({ owner: "acme", name: "blocked", files: { "a.tf": "# a\n" } });
    await sim.pushBranch(repo, { branch: "change", files: { "a.tf": "# b\n" } });
    pr = await sim.openPullRequest(repo, { head: "change", author: "alice" });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("nothing reported: an empty rollup of the head; a required check not reported blocks the PR (mergeable_state)", async () => {
    expect(await vcs.mergeBlockers(ref(), pr.number)).toEqual({ reviewDecision: null, headSha: pr.headSha, checks: [], more: false });
    sim.protectBranch(repo, "main", { requiredChecks: ["ci/jenkins", "sluice/apply"] });
    expect((await vcs.pullRequest(ref(), pr.number)).mergeableState).toBe("blocked");
  });

  it("the checks a branch requires, from classic protection (the branch's summary) and rulesets (their rules), without Administration", async () => {
    expect(await vcs.requiredChecks(ref(), "main")).toEqual([{ name: "ci/jenkins" }, { name: "sluice/apply" }]);
    expect(await vcs.requiredChecks(ref(), "nowhere")).toEqual([]);
    await sim.pushBranch(repo, { branch: "release", files: { "a.tf": "# r\n" } });
    sim.protectBranch(repo, "release", { requiredChecks: ["ci/e2e"], viaRuleset: true });
    expect(await vcs.requiredChecks(ref(), "release")).toEqual([{ name: "ci/e2e" }]);
    expect(sim.unknownCalls).toEqual([]);
  });

  it("statuses and check runs, Sluice's own told apart by app, each with whether branch protection requires it", async () => {
    sim.postStatus(repo, pr.headSha, { context: "ci/jenkins", state: "pending" });
    sim.postStatus(repo, pr.headSha, { context: "ci/jenkins", state: "failure" });
    sim.postStatus(repo, pr.headSha, { context: "ci/lint", state: "success" });
    sim.postOtherAppCheck(repo, pr.headSha, { name: "sluice/apply", status: "in_progress" });
    await vcs.createCheck(ref(), "sluice/apply", pr.headSha, { status: "in_progress", title: "t", summary: "s" });
    const b = await vcs.mergeBlockers(ref(), pr.number);
    expect(b.checks).toEqual([
      { kind: "check", name: "sluice/apply", state: "pending", said: "in_progress", required: true, own: false },
      { kind: "check", name: "sluice/apply", state: "pending", said: "in_progress", required: true, own: true },
      { kind: "status", name: "ci/jenkins", state: "failing", said: "failure", required: true, own: false },
      { kind: "status", name: "ci/lint", state: "passing", said: "success", required: false, own: false },
    ]);
    // Control: with the required status passing, only Sluice's own check holds the PR.
    sim.postStatus(repo, pr.headSha, { context: "ci/jenkins", state: "success" });
    expect((await vcs.mergeBlockers(ref(), pr.number)).checks.filter((c) => c.state !== "passing").map((c) => c.own)).toEqual([
      false,
      true,
    ]);
    expect((await vcs.pullRequest(ref(), pr.number)).mergeableState).toBe("blocked");
    expect(sim.unknownCalls).toEqual([]);
  });

  it("a server whose GraphQL has no isRequired refuses the query; asked again without it, no check says whether it is required", async () => {
    sim.serveGraphqlWithoutIsRequired(true);
    try {
      const calls = () => sim.calls.filter((c) => c.path === "/graphql").length;
      const before = calls();
      const b = await vcs.mergeBlockers(ref(), pr.number);
      expect(calls() - before).toBe(2);
      expect(b.checks.map((c) => [c.name, c.state, "required" in c])).toEqual([
        ["sluice/apply", "pending", false],
        ["sluice/apply", "pending", false],
        ["ci/lint", "passing", false],
        ["ci/jenkins", "passing", false],
      ]);
    } finally {
      sim.serveGraphqlWithoutIsRequired(false);
    }
    // Control: a server that has it is asked once.
    const before = sim.calls.filter((c) => c.path === "/graphql").length;
    const jenkins = (await vcs.mergeBlockers(ref(), pr.number)).checks.find((c) => c.name === "ci/jenkins");
    expect(jenkins).toMatchObject({ state: "passing", required: true });
    expect(sim.calls.filter((c) => c.path === "/graphql").length - before).toBe(1);
  });

  it("without isRequired, a required check bound to Jenkins' app is not reported by a workflow job so named: the app ids tell them apart", async () => {
    await sim.pushBranch(repo, { branch: "prod", files: { "p.tf": "# p\n" } });
    sim.protectBranch(repo, "prod", { requiredChecks: ["ci/build", "sluice/apply"], requiredApps: { "ci/build": "jenkins" } });
    await sim.pushBranch(repo, { branch: "spoof", from: "prod", files: { "p.tf": "# q\n" } });
    const spoof = await sim.openPullRequest(repo, { head: "spoof", base: "prod", author: "mallory" });
    await vcs.createCheck(ref(), "sluice/apply", spoof.headSha, { status: "queued", title: "t", summary: "s" });
    sim.postOtherAppCheck(repo, spoof.headSha, { name: "ci/build", status: "completed", conclusion: "success", app: "github-actions" });
    const asSluiceReads = async () => {
      const required = await vcs.requiredChecks(ref(), "prod");
      const requiredApps = Object.fromEntries(required.flatMap((c) => (c.appId === undefined ? [] : [[c.name, c.appId]])));
      const blockers = await vcs.mergeBlockers(ref(), spoof.number);
      const pull = await vcs.pullRequest(ref(), spoof.number);
      return mergeability(pull, { ...blockers, required: required.map((c) => c.name), requiredApps });
    };
    sim.serveGraphqlWithoutIsRequired(true);
    try {
      expect(await asSluiceReads()).toEqual({
        ok: false,
        why: "the base branch requires check `ci/build`, not reported on its head commit yet",
      });
      // Control: Jenkins' own run passes, and only Sluice's own check holds the PR.
      sim.postOtherAppCheck(repo, spoof.headSha, { name: "ci/build", status: "completed", conclusion: "success", app: "jenkins" });
      expect(await asSluiceReads()).toEqual({ ok: true });
    } finally {
      sim.serveGraphqlWithoutIsRequired(false);
    }
  });

  it("without Commit statuses: read GitHub refuses the statuses in the rollup, and the adapter throws (not retried)", async () => {
    const granted = manifestPermissions();
    expect(granted.statuses).toBe("read");
    sim.setInstallationPermissions(Object.fromEntries(Object.entries(granted).filter(([name]) => name !== "statuses")));
    try {
      await expect(vcs.mergeBlockers(ref(), pr.number)).rejects.toThrow(/Resource not accessible by integration/);
    } finally {
      sim.setInstallationPermissions(granted);
    }
    expect((await vcs.mergeBlockers(ref(), pr.number)).checks).toHaveLength(4);
  });

  it("the Status API: posting needs Commit statuses: write; the combined status is the newest per context", async () => {
    const denied = await api("POST", `/repos/acme/blocked/statuses/${pr.headSha}`, { state: "success", context: "ci/x" });
    expect(denied.status).toBe(403);
    const granted = manifestPermissions();
    sim.setInstallationPermissions({ ...granted, statuses: "write" });
    try {
      const bad = await api("POST", `/repos/acme/blocked/statuses/${pr.headSha}`, { state: "done" });
      expect(bad.status).toBe(422);
      const posted = await api("POST", `/repos/acme/blocked/statuses/${pr.headSha}`, { state: "error", context: "ci/x" });
      expect(posted.status).toBe(201);
      expect(await posted.json()).toMatchObject({ state: "error", context: "ci/x", creator: { login: "sluice[bot]" } });
    } finally {
      sim.setInstallationPermissions(granted);
    }
    const combined = (await (await api("GET", `/repos/acme/blocked/commits/${pr.headSha}/status`)).json()) as {
      state: string;
      sha: string;
      statuses: { context: string; state: string }[];
    };
    expect(combined.state).toBe("failure");
    expect(combined.sha).toBe(pr.headSha);
    expect(combined.statuses.map((s) => [s.context, s.state])).toEqual([
      ["ci/x", "error"],
      ["ci/jenkins", "success"],
      ["ci/lint", "success"],
    ]);
  });

  it("more than a page of checks (a matrix build) is read page by page; past ten pages it says there is more", async () => {
    const graphqlCalls = () => sim.calls.filter((c) => c.path === "/graphql").length;
    for (let i = 0; i < 150; i++) sim.postStatus(repo, pr.headSha, { context: `ci/matrix-${i}`, state: "success" });
    let before = graphqlCalls();
    const read = await vcs.mergeBlockers(ref(), pr.number);
    expect(graphqlCalls() - before).toBe(2);
    expect(read.more).toBe(false);
    expect(read.checks).toHaveLength(155);
    expect(new Set(read.checks.map((c) => `${c.kind}:${c.name}:${c.own}`)).size).toBe(155);
    for (let i = 150; i < 1000; i++) sim.postStatus(repo, pr.headSha, { context: `ci/matrix-${i}`, state: "success" });
    before = graphqlCalls();
    const capped = await vcs.mergeBlockers(ref(), pr.number);
    expect(graphqlCalls() - before).toBe(10);
    expect(capped.checks).toHaveLength(1000);
    expect(capped.more).toBe(true);
  });
});

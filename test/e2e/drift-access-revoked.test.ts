import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";
import { firstDriftIssue } from "./drift-issue-support.js";
import { driftedRepo, holdNext, said } from "./drift-mid-run-support.js";

// A drift issue's `/apply` and a reconciling `/drift` act a while after their job asked who wrote
// them (a checkout, a plan, the project's run lock): a writer whose access was taken away in
// between applies nothing, as on a pull request (access-revoked-mid-apply.test.ts). Each case
// holds one GitHub read the job makes after that check until alice is made read-only.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "allowed_overrides: [drift]\n" });
});
afterAll(async () => {
  await h?.stop();
});

describe("a drift command whose writer loses write access while its job runs", { timeout: 240_000 }, () => {
  it("`/apply` on a drift issue applies nothing, and says why (control: access given back, it applies)", async () => {
    const { repo, state, ops } = await driftedRepo(h, "drift-apply-revoked", "report");
    const issue = await firstDriftIssue(h, repo, ops, 90_000);
    // The job's read of the issue (after it asked who alice is, before the project's run lock) waits.
    const held = holdNext(h, new RegExp(`^/repos/${repo.fullName}/issues/${issue.number}$`));
    await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
    await h.sim.waitFor(() => held.arrived, { message: "the /apply never read its issue", timeoutMs: 60_000 });
    h.sim.setPermission(repo, "alice", "read");
    held.release();
    await h.sim.waitFor(() => said(h, repo, issue.number).some((b) => /Nothing was applied|Applied the plan/.test(b)), {
      message: "no answer to the /apply",
      timeoutMs: 90_000,
    });
    expect(said(h, repo, issue.number).join("\n")).toMatch(/alice needs write access to this repository \(has read\)/);
    expect(await stateResources(state)).toEqual([]);

    h.sim.setPermission(repo, "alice", "write");
    await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
    await h.sim.waitFor(() => said(h, repo, issue.number).some((b) => b.includes("Applied the plan")), {
      message: "the control /apply did not apply",
      timeoutMs: 90_000,
    });
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });

  it("`/drift` with `on_drift: apply` reports the drift and reconciles nothing (control: access given back, it reconciles)", async () => {
    const { repo, state, ops } = await driftedRepo(h, "drift-reconcile-revoked", "apply");
    const replies = () => said(h, repo, ops.number).filter((b) => b.includes("Drift check"));
    // The check's read of the default branch (after it asked who alice is, before it plans) waits.
    const held = holdNext(h, new RegExp(`^/repos/${repo.fullName}/branches/main$`));
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
    await h.sim.waitFor(() => held.arrived, { message: "the /drift never read the default branch", timeoutMs: 60_000 });
    h.sim.setPermission(repo, "alice", "read");
    held.release();
    await h.sim.waitFor(() => replies().length === 1, { message: "no drift check report", timeoutMs: 90_000 });
    expect(replies()[0]).toMatch(/alice needs write access to this repository \(has read\)/);
    expect(await stateResources(state)).toEqual([]);
    await untilIdle(h.app.dataDir);

    h.sim.setPermission(repo, "alice", "write");
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
    await h.sim.waitFor(() => replies().length === 2, { message: "no second drift check report", timeoutMs: 90_000 });
    expect(replies()[1]).toContain("drift reverted");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });
});

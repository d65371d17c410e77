import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources, statefulProject } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";
import { firstDriftIssue } from "./drift-issue-support.js";
import { driftedRepo, holdNext, said } from "./drift-mid-run-support.js";
import type { Repo } from "./trust-holes-support.js";

// A drift issue's `/apply` and a reconciling `/drift` act a while after their job started (a
// checkout, a plan, the project's run lock): a comment deleted in between applies nothing, as a
// pull request's `/apply` does not (apply-comment-withdrawn.test.ts). Each case holds one GitHub
// read the job makes after its start (where the comment was read once) until the comment is gone.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "allowed_overrides: [drift]\n" });
});
afterAll(async () => {
  await h?.stop();
});

/**
 * alice's `/apply` on drift issue `issue`, written before bob's newer plan was shown there, its
 * delivery `deliveryId` sent again: it applies nothing and says why; the control, her `/apply`
 * written now, applies bob's plan (net's three items).
 */
async function refusedThenApplied(repo: Repo, issue: number, deliveryId: string, state: string) {
  const before = said(h, repo, issue).length;
  expect((await h.sim.redeliver(deliveryId)).status).toBe(202);
  await h.sim.waitFor(
    () => said(h, repo, issue).length > before && /Nothing was applied|Applied the plan/.test(said(h, repo, issue).at(-1) ?? ""),
    {
      message: "no answer to the redelivered /apply",
      timeoutMs: 90_000,
    },
  );
  // Compared with the issue's showing of bob's plan (GitHub's clock, as the comment's).
  expect(said(h, repo, issue).at(-1)).toMatch(
    /this `\/apply` was written at .* UTC, before this plan \(made at .* UTC by @\u200b?bob\) was shown at .* UTC, when the drift issue was updated with it/,
  );
  expect(await stateResources(state)).toEqual([]);

  await h.sim.comment(repo, issue, { user: "alice", body: "/apply" });
  await h.sim.waitFor(() => said(h, repo, issue).some((b) => b.includes("Applied the plan")), {
    message: "the control /apply did not apply",
    timeoutMs: 90_000,
  });
  expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1", "terraform_data.net_2"]);
}

describe("a drift command whose comment is deleted while its job runs", { timeout: 240_000 }, () => {
  it("`/apply` on a drift issue applies nothing, and says why (control: asked again, it applies)", async () => {
    const { repo, state, ops } = await driftedRepo(h, "drift-apply-withdrawn", "report");
    const issue = await firstDriftIssue(h, repo, ops, 90_000);
    // The job's read of the issue (after its start, before the project's run lock) waits.
    const held = holdNext(h, new RegExp(`^/repos/${repo.fullName}/issues/${issue.number}$`));
    const { commentId } = await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
    await h.sim.waitFor(() => held.arrived, { message: "the /apply never read its issue", timeoutMs: 60_000 });
    await h.sim.deleteComment(repo, commentId);
    held.release();
    await h.sim.waitFor(() => said(h, repo, issue.number).some((b) => b.includes("Nothing was applied")), {
      message: "no answer to the withdrawn /apply",
      timeoutMs: 90_000,
    });
    expect(said(h, repo, issue.number).join("\n")).toContain("its comment was deleted while the command ran");
    expect(await stateResources(state)).toEqual([]);

    await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
    await h.sim.waitFor(() => said(h, repo, issue.number).some((b) => b.includes("Applied the plan")), {
      message: "the control /apply did not apply",
      timeoutMs: 90_000,
    });
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });

  it("`/drift` with `on_drift: apply` reports the drift and reconciles nothing (control: asked again, it reconciles)", async () => {
    const { repo, state, ops } = await driftedRepo(h, "drift-reconcile-withdrawn", "apply");
    const replies = () => said(h, repo, ops.number).filter((b) => b.includes("Drift check"));
    // The check's read of the default branch (after its start, before it plans) waits.
    const held = holdNext(h, new RegExp(`^/repos/${repo.fullName}/branches/main$`));
    const { commentId } = await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
    await h.sim.waitFor(() => held.arrived, { message: "the /drift never read the default branch", timeoutMs: 60_000 });
    await h.sim.deleteComment(repo, commentId);
    held.release();
    await h.sim.waitFor(() => replies().length === 1, { message: "no drift check report", timeoutMs: 90_000 });
    expect(replies()[0]).toContain("its comment was deleted while the command ran");
    expect(await stateResources(state)).toEqual([]);
    await untilIdle(h.app.dataDir);

    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
    await h.sim.waitFor(() => replies().length === 2, { message: "no second drift check report", timeoutMs: 90_000 });
    expect(replies()[1]).toContain("drift reverted");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });

  // Not withdrawn but late: GitHub redelivered it after a newer drift check replaced the plan it was written under.
  it("`/apply` on a drift issue written before a newer check's plan, redelivered after it, applies nothing (control: written after: applies)", async () => {
    const { repo, state, ops } = await driftedRepo(h, "drift-apply-late", "report");
    h.sim.setPermission(repo, "bob", "write");
    const issue = await firstDriftIssue(h, repo, ops, 90_000);
    const { delivery } = await h.sim.unreachable(() => h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" }));
    expect(delivery.status).toBe(0);
    // A second later at least: GitHub's times are whole seconds. The default branch grows, and bob checks again.
    await new Promise((r) => setTimeout(r, 1_100));
    await h.sim.pushBranch(repo, { branch: "main", files: { "net/main.tf": statefulProject("net", state, 3) } });
    await untilIdle(h.app.dataDir);
    await h.sim.comment(repo, ops.number, { user: "bob", body: "/drift" });
    await h.sim.waitFor(() => (h.sim.issues(repo).find((i) => i.number === issue.number)?.body ?? "").includes("net_2"), {
      message: "the drift issue never showed the newer plan",
      timeoutMs: 90_000,
    });
    await untilIdle(h.app.dataDir);
    await refusedThenApplied(repo, issue.number, delivery.deliveryId, state);
  });

  // Written after a newer check saved its plan, but before that check updated the issue with it: the
  // issue still showed the older plan, so the comment's writer never saw the one it would apply.
  it("`/apply` on a drift issue written before the issue showed a newer check's plan applies nothing (control: after: applies)", async () => {
    const { repo, state, ops } = await driftedRepo(h, "drift-apply-unshown", "report");
    h.sim.setPermission(repo, "bob", "write");
    const issue = await firstDriftIssue(h, repo, ops, 90_000);
    await h.sim.pushBranch(repo, { branch: "main", files: { "net/main.tf": statefulProject("net", state, 3) } });
    await untilIdle(h.app.dataDir);
    // bob's check has saved its plan; its edit of the issue, which shows it, waits.
    const held = holdNext(h, new RegExp(`^/repos/${repo.fullName}/issues/${issue.number}$`), "PATCH");
    await h.sim.comment(repo, ops.number, { user: "bob", body: "/drift" });
    await h.sim.waitFor(() => held.arrived, { message: "the check never edited its issue", timeoutMs: 90_000 });
    expect(h.sim.issues(repo).find((i) => i.number === issue.number)?.body ?? "").not.toContain("net_2");
    const { delivery } = await h.sim.unreachable(() => h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" }));
    expect(delivery.status).toBe(0);
    // A second later at least: GitHub's times are whole seconds.
    await new Promise((r) => setTimeout(r, 1_100));
    held.release();
    await h.sim.waitFor(() => (h.sim.issues(repo).find((i) => i.number === issue.number)?.body ?? "").includes("net_2"), {
      message: "the drift issue never showed the newer plan",
      timeoutMs: 90_000,
    });
    await untilIdle(h.app.dataDir);
    await refusedThenApplied(repo, issue.number, delivery.deliveryId, state);
  });
});

import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { bot, completed, mergeReadyPr, storeRows } from "./trust-holes-support.js";
import { processesWith } from "../adversarial/support.js";

/**
 * Issue #46: a `closed` delivery GitHub could not make (the app unreachable) would keep the PR's
 * locks for good; the heal sweep asks GitHub and releases them, and says so.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "reconcile_interval: 1s\nallowed_overrides: [apply_on]\n" });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

const rows = <T>(sql: string): T[] => storeRows<T>(h.app.dataDir, sql);
const locks = () => rows<{ pr: number; project: string }>("SELECT pr, project FROM locks");

/** Closes (or merges) a PR while GitHub cannot reach the app: the delivery fails, as in an outage. */
async function closeUnheard(repo: Parameters<Harness["sim"]["checkRuns"]>[0], number: number, merge: boolean) {
  const { delivery } = await h.sim.unreachable(() => (merge ? h.sim.mergePullRequest(repo, number) : h.sim.closePullRequest(repo, number)));
  expect(delivery.status).toBe(0);
}

describe("a pull request closed while its webhook was lost", () => {
  it("has its locks released by the heal sweep and is told why; an open one keeps them", async () => {
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "heal",
      files: { "net/main.tf": tfProject("net", 1), "app/main.tf": tfProject("app", 1) },
    });
    h.sim.setPermission(repo, "alice", "write");
    await h.sim.pushBranch(repo, { branch: "closed", files: { "net/main.tf": tfProject("net", 2) } });
    await h.sim.pushBranch(repo, { branch: "open", files: { "app/main.tf": tfProject("app", 2) } });
    const gone = await h.sim.openPullRequest(repo, { head: "closed", author: "alice" });
    const open = await h.sim.openPullRequest(repo, { head: "open", author: "alice" });
    await completed(h, repo, gone.headSha, "sluice/plan");
    await completed(h, repo, open.headSha, "sluice/plan");
    expect(
      locks()
        .map((l) => l.pr)
        .sort(),
    ).toEqual([gone.number, open.number].sort());

    await closeUnheard(repo, gone.number, true);
    // Its own event is waited for 30 s (the least grace, the sweep running every second here).
    await h.sim.waitFor(() => locks().every((l) => l.pr !== gone.number), {
      message: "the closed PR's lock was never released",
      timeoutMs: 90_000,
    });
    await h.sim.waitFor(() => bot(h, repo, gone.number).some((c) => c.body.includes("did not receive this pull request's merge event")), {
      message: "the PR was not told",
      timeoutMs: 30_000,
    });
    const said = bot(h, repo, gone.number).find((c) => c.body.includes("merge event"))?.body ?? "";
    expect(said).toContain("never run late");
    expect(
      rows<{ detail: string }>("SELECT detail FROM audit_events WHERE action = 'reconciled' AND detail LIKE 'pr-closed:%'")[0]?.detail,
    ).toContain("reconciled, the webhook was not received");
    // Control: the open PR keeps its lock through the same sweeps.
    expect(locks()).toEqual([{ pr: open.number, project: "app" }]);
    // Nothing was applied for the merge.
    expect(h.sim.deployments(repo)).toEqual([]);
  }, 180_000);

  it("a heal that finds the PR closed while that close's own event is being acted on says nothing was missed, and releases nothing twice", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "heal-race", files: { "net/main.tf": tfProject("net", 1) } });
    h.sim.setPermission(repo, "alice", "write");
    await h.sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": tfProject("net", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    // The next sweep's heal asks GitHub about the PR (still open, holding its lock); GitHub is slow
    // to answer, and the PR is closed meanwhile, its `closed` event delivered as usual.
    let release = () => {};
    let arrived = false;
    h.sim.failNext({
      method: "GET",
      pathPattern: new RegExp(`^/repos/${repo.fullName}/pulls/${pr.number}$`),
      holdUntil: new Promise<void>((r) => {
        release = r;
      }),
      onHeld: () => {
        arrived = true;
      },
    });
    await h.sim.waitFor(() => arrived, { message: "no heal asked about the PR", timeoutMs: 30_000 });
    const { delivery } = await h.sim.closePullRequest(repo, pr.number);
    expect(delivery.status).toBe(202);
    release();
    await h.sim.waitFor(() => locks().every((l) => l.pr !== pr.number), { message: "the lock was never released", timeoutMs: 60_000 });
    await h.sim.waitFor(
      () =>
        rows<{ n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE repo = 'acme/heal-race' AND status IN ('queued', 'running')`)[0]?.n === 0,
      { message: "jobs did not end", timeoutMs: 60_000 },
    );
    expect(bot(h, repo, pr.number).filter((c) => c.body.includes("did not receive"))).toEqual([]);
    expect(
      rows<{ detail: string }>(
        "SELECT detail FROM audit_events WHERE action = 'reconciled' AND repo = 'acme/heal-race' AND detail LIKE 'pr-closed:%'",
      ),
    ).toEqual([]);
  }, 180_000);

  it("a merge whose event arrives moments after a heal asked is left to that event: its apply on merge runs", async () => {
    const { repo, pr } = await mergeReadyPr(h, "heal-merge-late");
    // A sweep's heal asks GitHub about the PR and is answered just after the merge, whose event
    // GitHub has not delivered yet (here: could not, and delivers again below). The heal after it is
    // held until that event is being acted on.
    const held = [0, 1].map(() => {
      const hold = { release: () => {}, arrived: false };
      h.sim.failNext({
        method: "GET",
        pathPattern: new RegExp(`^/repos/${repo.fullName}/pulls/${pr.number}$`),
        holdUntil: new Promise<void>((r) => {
          hold.release = r;
        }),
        onHeld: () => {
          hold.arrived = true;
        },
      });
      return hold;
    });
    const [first, next] = held as [(typeof held)[0], (typeof held)[0]];
    await h.sim.waitFor(() => first.arrived, { message: "no heal asked about the PR", timeoutMs: 30_000 });
    const { delivery } = await h.sim.unreachable(() => h.sim.mergePullRequest(repo, pr.number, { user: "alice" }));
    expect(delivery.status).toBe(0);
    first.release();
    await h.sim.waitFor(() => next.arrived, { message: "no second heal asked about the PR", timeoutMs: 30_000 });
    // The first heal released nothing: the PR was closed moments before it asked.
    expect(locks().filter((l) => l.pr === pr.number)).toEqual([{ pr: pr.number, project: "net" }]);
    expect((await h.sim.redeliver(delivery.deliveryId)).status).toBe(202);
    const active = () =>
      rows<{ n: number }>(
        `SELECT COUNT(*) AS n FROM jobs WHERE repo = 'acme/heal-merge-late' AND status IN ('queued', 'running') AND spec LIKE '%"cleanup"%'`,
      )[0]?.n ?? 0;
    await h.sim.waitFor(() => active() > 0, { message: "the merge event queued no job", timeoutMs: 30_000 });
    next.release();
    await h.sim.waitFor(() => h.sim.deployments(repo).some((d) => d.statuses.at(-1)?.state === "success"), {
      message: "the apply on merge did not run",
      timeoutMs: 90_000,
    });
    await h.sim.waitFor(() => locks().every((l) => l.pr !== pr.number), { message: "the lock was never released", timeoutMs: 60_000 });
    expect(bot(h, repo, pr.number).filter((c) => c.body.includes("did not receive"))).toEqual([]);
    expect(rows(`SELECT id FROM audit_events WHERE action = 'reconciled' AND repo = 'acme/heal-merge-late'`)).toEqual([]);
  }, 180_000);

  it("an apply on merge cut short by a crash keeps its lock: the heal does not release it nor say the merge event was lost", async () => {
    const started = join(h.stateDir, "merge-apply.log");
    const slow = `resource "terraform_data" "slow" {\n  input = "x"\n  provisioner "local-exec" {\n    command = "echo started >> ${started}; sleep 60"\n  }\n}\n`;
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "heal-merge-cut",
      files: { ".sluice.yaml": "version: 1\napply_on: merge\n", "net/main.tf": tfProject("net", 1) },
    });
    h.sim.setPermission(repo, "alice", "write");
    h.sim.setPermission(repo, "bob", "write");
    await h.sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": `${tfProject("net", 1)}\n${slow}` } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    await h.sim.approve(repo, pr.number, "bob");
    // The merge event is heard: its apply starts, and the process dies in the middle of it.
    await h.sim.mergePullRequest(repo, pr.number, { user: "alice" });
    await h.sim
      .waitFor(() => existsSync(started), { message: "the apply on merge never started", timeoutMs: 60_000 })
      .catch((e: unknown) => {
        console.error(bot(h, repo, pr.number).map((c) => c.body.slice(0, 800)));
        throw e;
      });
    const asked = () => h.sim.calls.filter((c) => c.method === "GET" && c.path === `/repos/${repo.fullName}/pulls/${pr.number}`).length;
    await h.restart();
    const before = asked();
    await h.sim.waitFor(() => processesWith(started).length === 0, { message: "the killed apply outlived the app", timeoutMs: 30_000 });
    await h.sim.waitFor(() => bot(h, repo, pr.number).some((c) => c.body.includes("Interrupted: Sluice stopped while this apply")), {
      message: "the interrupted apply was not reported",
      timeoutMs: 60_000,
    });
    // Sweeps (every second here) ask GitHub about the PR holding the lock: it is merged.
    await h.sim.waitFor(() => asked() >= before + 3 || locks().every((l) => l.pr !== pr.number), {
      message: "no sweep asked about the PR",
      timeoutMs: 30_000,
    });
    expect(locks().filter((l) => l.pr === pr.number)).toEqual([{ pr: pr.number, project: "net" }]);
    expect(bot(h, repo, pr.number).filter((c) => c.body.includes("did not receive"))).toEqual([]);
    // The rest of that close never ran: the heal queues it (plans, worktrees, previews go), the lock kept, said once.
    await h.sim.waitFor(() => bot(h, repo, pr.number).some((c) => c.body.includes("ended (interrupted) before it was done")), {
      message: "the merge whose job a crash cut short was never cleaned up",
      timeoutMs: 60_000,
    });
    const told = bot(h, repo, pr.number).filter((c) => c.body.includes("ended (interrupted) before it was done"));
    expect(told).toHaveLength(1);
    expect(told[0]?.body).toContain("An apply on merge is never run again by itself");
    expect(told[0]?.body).toContain("Its locks are kept");
    expect(locks().filter((l) => l.pr === pr.number)).toEqual([{ pr: pr.number, project: "net" }]);
    // Control: a person who checked the state releases it.
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/unlock" });
    await h.sim.waitFor(() => locks().every((l) => l.pr !== pr.number), { message: "/unlock did not release it", timeoutMs: 60_000 });
  }, 180_000);

  it("plans a head whose push event was lost, once; a GitHub error during the sweep releases nothing", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "heal-head", files: { "net/main.tf": tfProject("net", 1) } });
    h.sim.setPermission(repo, "alice", "write");
    await h.sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": tfProject("net", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");

    // GitHub answers 502 to the sweep's read of the PR: the job fails, nothing is released.
    h.sim.failNext({ method: "GET", pathPattern: new RegExp(`/repos/acme/heal-head/pulls/${pr.number}$`), status: 502, times: 3 });
    await h.sim.waitFor(() => h.sim.calls.filter((r) => r.status === 502 && r.path.endsWith(`/heal-head/pulls/${pr.number}`)).length >= 1, {
      message: "the sweep never asked GitHub",
      timeoutMs: 30_000,
    });
    expect(locks().filter((l) => l.pr === pr.number)).toEqual([{ pr: pr.number, project: "net" }]);

    const { headSha, delivery } = await h.sim.unreachable(() =>
      h.sim.pushToPullRequest(repo, pr.number, { "net/main.tf": tfProject("net", 3) }),
    );
    expect(delivery.status).toBe(0);
    const plan = await completed(h, repo, headSha, "sluice/plan");
    expect(plan.conclusion).toBe("success");
    const healed = () =>
      rows<{ detail: string }>("SELECT detail FROM audit_events WHERE action = 'reconciled' AND detail LIKE 'head-moved:%'");
    expect(healed()[0]?.detail).toContain(`#${pr.number} is at ${headSha.slice(0, 7)}`);
    // Later sweeps see the head planned: one plan of it, one record (the sweep runs every second).
    const sweepsBefore = h.sim.calls.filter((r) => r.path.endsWith(`/heal-head/pulls/${pr.number}`)).length;
    await h.sim.waitFor(() => h.sim.calls.filter((r) => r.path.endsWith(`/heal-head/pulls/${pr.number}`)).length >= sweepsBefore + 2, {
      message: "no later sweep",
      timeoutMs: 30_000,
    });
    expect(healed()).toHaveLength(1);
    expect(h.sim.checkRuns(repo, headSha).filter((c) => c.name === "sluice/plan")).toHaveLength(1);
    // Control: the head whose event arrived was planned by that event alone.
    expect(h.sim.checkRuns(repo, pr.headSha).filter((c) => c.name === "sluice/plan")).toHaveLength(1);
  }, 180_000);

  it("completes as cancelled a check run its ended job left in progress", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "heal-check", files: { "net/main.tf": tfProject("net", 1) } });
    h.sim.setPermission(repo, "alice", "write");
    await h.sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": tfProject("net", 2) } });
    // GitHub refuses every update of the plan's check run: the job fails with its run left open.
    h.sim.failNext({ method: "PATCH", pathPattern: /\/repos\/acme\/heal-check\/check-runs\/\d+$/, status: 422, times: 10_000 });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    const jobs = () => rows<{ status: string }>(`SELECT status FROM jobs WHERE repo = 'acme/heal-check' AND kind = 'plan'`);
    await h.sim.waitFor(() => jobs().length > 0 && jobs().every((j) => j.status === "failed"), {
      message: "the plan job did not end",
      timeoutMs: 120_000,
    });
    const plan = () => h.sim.checkRuns(repo, pr.headSha).filter((c) => c.name === "sluice/plan");
    // Control: left open while GitHub refuses (the sweeps' own updates are refused too).
    expect(plan()).toHaveLength(1);
    expect(plan()[0]?.status).not.toBe("completed");
    h.sim.clearFaults();
    await h.sim.waitFor(() => plan()[0]?.status === "completed", {
      message: "the orphaned check run was never completed",
      timeoutMs: 60_000,
    });
    expect(plan()[0]?.conclusion).toBe("cancelled");
    expect(plan()[0]?.output.summary).toContain("reconciled, the webhook was not received");
    // The record follows GitHub's answer: wait for it rather than race it.
    const recorded = () =>
      rows<{ detail: string }>("SELECT detail FROM audit_events WHERE action = 'reconciled' AND detail LIKE 'check-orphaned:%'");
    await h.sim.waitFor(() => recorded().length > 0, { message: "the completion was not recorded", timeoutMs: 10_000 });
    expect(recorded()).toHaveLength(1);
  }, 180_000);
});

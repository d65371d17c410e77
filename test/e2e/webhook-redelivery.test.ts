import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { type Harness, startHarness, statefulProject, stateResources, tfProject } from "../support/harness.js";
import { bot, completed, FINAL, mergeReadyPr, say, storeRows } from "./trust-holes-support.js";

/**
 * GitHub does not send a failed webhook delivery again by itself: Sluice asks for it (GET
 * /app/hook/deliveries, POST …/attempts), at start and at each reconcile interval.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "reconcile_interval: 1s\nredeliver_within: 1h\nallowed_overrides: [apply_on]\n" });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

const attemptsOf = (guid: string) => h.sim.deliveries.filter((d) => d.deliveryId === guid);

/** Holds GitHub's answer to the next matching request until released: "GitHub is slow right now". */
function holdNext(method: string, pathPattern: RegExp) {
  const hold = { release: () => {}, arrived: false };
  h.sim.failNext({
    method,
    pathPattern,
    holdUntil: new Promise<void>((r) => {
      hold.release = r;
    }),
    onHeld: () => {
      hold.arrived = true;
    },
  });
  return hold;
}

const rows = <T>(sql: string): T[] => storeRows<T>(h.app.dataDir, sql);

describe("failed webhook deliveries are asked for again", () => {
  it("a pull request opened while Sluice was down is planned once it is back, from the redelivered event", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "redelivered", files: { "net/main.tf": tfProject("net", 1) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": tfProject("net", 2) } });
    await h.app.kill("SIGTERM");
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    const opened = h.sim.deliveries.filter((d) => d.event === "pull_request" && d.action === "opened").at(-1);
    expect(opened?.status).toBe(0);
    await h.restart();
    await h.sim.waitFor(() => bot(h, repo, pr.number).some((c) => /Plan/.test(c.body) && /net/.test(c.body)), {
      message: "the PR opened while Sluice was down was never planned",
      timeoutMs: 120_000,
    });
    const guid = opened?.deliveryId ?? "";
    const again = attemptsOf(guid).filter((d) => d.redelivery);
    expect(again.length).toBeGreaterThanOrEqual(1);
    expect(again.some((d) => d.status === 202)).toBe(true);
    const metrics = await (await fetch(`${h.app.url}/metrics`)).text();
    expect(metrics).toMatch(/sluice_webhook_redeliveries_total\{outcome="asked"\} [1-9]/);
    // Answered once: the next looks (every second) leave it alone.
    const answered = attemptsOf(guid).length;
    await new Promise((r) => setTimeout(r, 3_000));
    expect(attemptsOf(guid).length).toBe(answered);
  });

  it("control: a delivery Sluice answered, or refused on purpose (a wrong signature), is not asked for again", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "answered", files: { "net/main.tf": tfProject("net", 1) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": tfProject("net", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    const opened = h.sim.deliveries.filter((d) => d.event === "pull_request" && d.action === "opened").at(-1);
    expect(opened?.status).toBe(202);
    const forged = await h.sim.deliver("ping", { zen: "Keep it logically awesome." }, { signature: "sha256=0000" });
    expect(forged.status).toBe(401);
    await h.sim.waitFor(() => bot(h, repo, pr.number).length > 0, { message: "no plan", timeoutMs: 120_000 });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(attemptsOf(opened?.deliveryId ?? "").filter((d) => d.redelivery)).toEqual([]);
    expect(attemptsOf(forged.deliveryId).filter((d) => d.redelivery)).toEqual([]);
  });

  // The attack a redelivery invites: acting twice on one command.
  it("a command Sluice stored, though GitHub counted its delivery failed (its wait ended first), is redelivered and not acted on twice", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "twice", files: { "net/main.tf": tfProject("net", 1) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": tfProject("net", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    // Every plan's check run, once the autoplan's has finished.
    await completed(h, repo, pr.headSha, "sluice/plan");
    const plans = () => h.sim.checkRuns(repo, pr.headSha).filter((c) => c.name === "sluice/plan").length;
    const before = plans();
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/plan" });
    await completed(h, repo, pr.headSha, "sluice/plan", before + 1);
    const asked = h.sim.deliveries.filter((d) => d.event === "issue_comment").at(-1);
    expect(asked?.status).toBe(202);
    // GitHub's record of it: failed (it gives up after 10 s, however the receiver ends).
    if (asked) asked.status = 0;
    await h.sim.waitFor(() => attemptsOf(asked?.deliveryId ?? "").some((d) => d.redelivery && d.status === 202), {
      message: "the delivery GitHub counted failed was not asked for again",
      timeoutMs: 30_000,
    });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(plans()).toBe(before + 1);
  });
  // The docs' promise: a merge Sluice did not hear of in time is never applied late; the heal
  // says so instead. A redelivery must not bring that apply back after the heal's grace.
  it("a merge whose event was lost longer than the heal waits for it is not applied late from its redelivery: the heal says so", async () => {
    const { repo, pr } = await mergeReadyPr(h, "merged-while-down");
    await h.app.kill("SIGTERM");
    const { delivery } = await h.sim.mergePullRequest(repo, pr.number, { user: "alice" });
    expect(delivery.status).toBe(0);
    // Down longer than the heal gives a close's own event (30 s, the interval being 1 s here).
    await new Promise((r) => setTimeout(r, 32_000));
    // The heal's question to GitHub is slow; whatever arrives meanwhile must not apply the merge.
    const hold = holdNext("GET", new RegExp(`^/repos/${repo.fullName}/pulls/${pr.number}$`));
    await h.restart({ signal: "SIGTERM" });
    await h.sim.waitFor(() => hold.arrived, { message: "no heal asked about the PR", timeoutMs: 60_000 });
    // Several looks of the redeliverer (one a second here) while the heal waits.
    await new Promise((r) => setTimeout(r, 5_000));
    hold.release();
    const healSaid = () => bot(h, repo, pr.number).some((c) => c.body.includes("did not receive this pull request's merge event"));
    const applied = () => h.sim.deployments(repo).some((d) => d.statuses.at(-1)?.state === "success");
    await h.sim.waitFor(() => healSaid() || applied(), { message: "neither the heal nor the merge's apply acted", timeoutMs: 90_000 });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(applied(), "the merge was applied late").toBe(false);
    expect(h.sim.deployments(repo)).toEqual([]);
    expect(healSaid()).toBe(true);
    expect(attemptsOf(delivery.deliveryId).filter((d) => d.redelivery)).toEqual([]);
  }, 240_000);

  it("control: a merge whose event was lost moments ago is redelivered and applied on merge, as if heard", async () => {
    const { repo, pr } = await mergeReadyPr(h, "merged-moments-ago");
    // Unreachable for the merge alone (Sluice up): its next look, a second later, asks for it well
    // within the heal's 30 s, however slow a restart would be on a busy machine.
    const { delivery } = await h.sim.unreachable(() => h.sim.mergePullRequest(repo, pr.number, { user: "alice" }));
    expect(delivery.status).toBe(0);
    await h.sim.waitFor(() => h.sim.deployments(repo).some((d) => d.statuses.at(-1)?.state === "success"), {
      message: "the apply on merge did not run from the redelivered merge event",
      timeoutMs: 120_000,
    });
    expect(attemptsOf(delivery.deliveryId).some((d) => d.redelivery && d.status === 202)).toBe(true);
    expect(bot(h, repo, pr.number).filter((c) => c.body.includes("did not receive"))).toEqual([]);
  }, 240_000);

  // The attack a late delivery invites: an `/apply` that never saw the commit it would apply.
  it("an /apply written before a push, redelivered after it and its re-plan, applies nothing: it never saw that commit", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "old-apply", files: { "net/main.tf": tfProject("net", 1) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": tfProject("net", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    // The redeliverer's look held, so that the push and its plan come first.
    const look = holdNext("GET", /^\/app\/hook\/deliveries/);
    await h.sim.waitFor(() => look.arrived, { message: "the redeliverer did not look", timeoutMs: 30_000 });
    const { delivery } = await h.sim.unreachable(() => h.sim.comment(repo, pr.number, { user: "alice", body: "/apply" }));
    expect(delivery.status).toBe(0);
    // A second later at least: GitHub's times are whole seconds.
    await new Promise((r) => setTimeout(r, 1_100));
    const head = await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": tfProject("net", 3) } });
    await completed(h, repo, head, "sluice/plan", 1);
    look.release();
    const refusal = () => bot(h, repo, pr.number).some((c) => c.body.includes("it never saw what it would apply"));
    await h.sim.waitFor(refusal, { message: "the late /apply was not refused", timeoutMs: 60_000 });
    expect(attemptsOf(delivery.deliveryId).some((d) => d.redelivery && d.status === 202)).toBe(true);
    expect(h.sim.deployments(repo)).toEqual([]);
    // Control: written after the push, the rule lets it through (to the next: this server asks
    // for an approval); every other apply test is one too, each commenting after its push.
    const answered = bot(h, repo, pr.number).length;
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/apply" });
    const last = () => bot(h, repo, pr.number).at(-1)?.body ?? "";
    await h.sim.waitFor(() => bot(h, repo, pr.number).length > answered && /⛔|✅/.test(last()), {
      message: "the /apply written after the push got no answer",
      timeoutMs: 120_000,
    });
    expect(last()).not.toContain("never saw");
    expect(last()).toContain("needs 1 more approval");
  }, 240_000);

  // The same for the commands that change state with no plan: approvals of the live head are all
  // they wait for, so a late `/import` would run on a head (and an approval of it) its writer never saw.
  it("an /import written before a push, redelivered after it and an approval of the new head, changes no state (control: written after: runs)", async () => {
    const state = join(h.stateDir, "old-import.tfstate");
    const repo = await h.sim.createRepo({ owner: "acme", name: "old-import", files: { "net/main.tf": statefulProject("net", state, 0) } });
    for (const u of ["alice", "bob", "carol"]) h.sim.setPermission(repo, u, "write");
    await h.sim.pushBranch(repo, { branch: "adopt", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "adopt", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const look = holdNext("GET", /^\/app\/hook\/deliveries/);
    await h.sim.waitFor(() => look.arrived, { message: "the redeliverer did not look", timeoutMs: 30_000 });
    const asked = bot(h, repo, pr.number).length;
    const command = "/import -d net terraform_data.net_0 existing-id";
    const { delivery } = await h.sim.unreachable(() => h.sim.comment(repo, pr.number, { user: "alice", body: command }));
    expect(delivery.status).toBe(0);
    // A second later at least: GitHub's times are whole seconds.
    await new Promise((r) => setTimeout(r, 1_100));
    const head = await h.sim.pushBranch(repo, { branch: "adopt", files: { "net/main.tf": statefulProject("net", state, 2) } });
    await completed(h, repo, head, "sluice/plan", 1);
    await h.sim.approve(repo, pr.number, "carol");
    look.release();
    const reply = () =>
      bot(h, repo, pr.number)
        .slice(asked)
        .find((c) => c.body.includes("Sluice import") && FINAL.test(c.body))?.body;
    await h.sim.waitFor(() => reply() !== undefined, { message: "the late /import got no answer", timeoutMs: 90_000 });
    expect(attemptsOf(delivery.deliveryId).some((d) => d.redelivery && d.status === 202)).toBe(true);
    expect(reply()).toContain("⛔ refused");
    expect(reply()).toMatch(/this `\/import` was written at .* UTC, before the head commit [0-9a-f]{7} was pushed at .* UTC: it never saw/);
    expect(await stateResources(state)).toEqual([]);
    // Control: written after the push, the same command runs.
    const done = await say(h, repo, pr.number, "alice", command);
    expect(done).toContain("✅ done");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  }, 240_000);

  // A re-plan is no push, yet the plan an /apply would apply was made after it was written all the
  // same: by another's `/plan -- -var …`, which the writer never saw.
  it("an /apply written before another's re-plan, redelivered after it, does not apply that plan (control: written after it: applies)", async () => {
    const extra = 'variable "x" {\n  default = "a"\n}\n\nresource "terraform_data" "v" {\n  input = var.x\n}\n';
    const repo = await h.sim.createRepo({ owner: "acme", name: "old-apply-replan", files: { "net/main.tf": tfProject("net", 1, extra) } });
    for (const u of ["alice", "bob", "carol"]) h.sim.setPermission(repo, u, "write");
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": tfProject("net", 2, extra) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const look = holdNext("GET", /^\/app\/hook\/deliveries/);
    await h.sim.waitFor(() => look.arrived, { message: "the redeliverer did not look", timeoutMs: 30_000 });
    const { delivery } = await h.sim.unreachable(() => h.sim.comment(repo, pr.number, { user: "alice", body: "/apply" }));
    expect(delivery.status).toBe(0);
    await new Promise((r) => setTimeout(r, 1_100));
    const replanned = await say(h, repo, pr.number, "bob", "/plan -- -var x=evil");
    expect(replanned).toContain("evil");
    await h.sim.approve(repo, pr.number, "carol");
    const asked = bot(h, repo, pr.number).length;
    look.release();
    const reply = () =>
      bot(h, repo, pr.number)
        .slice(asked)
        .find((c) => FINAL.test(c.body))?.body;
    await h.sim.waitFor(() => reply() !== undefined, { message: "the late /apply got no answer", timeoutMs: 90_000 });
    expect(attemptsOf(delivery.deliveryId).some((d) => d.redelivery && d.status === 202)).toBe(true);
    expect(reply()).toMatch(/this `\/apply` was written at .* UTC, before this plan was made at .* UTC by @\u200b?bob/);
    expect(h.sim.deployments(repo)).toEqual([]);
    // Control: written after the re-plan, alice's /apply applies it.
    expect(await say(h, repo, pr.number, "alice", "/apply")).toMatch(/applied/i);
  }, 240_000);

  /** A PR planned, holding its project's lock; `lock()` lists who holds the repository's locks. */
  async function plannedAndLocked(name: string) {
    const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": tfProject("net", 1) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": tfProject("net", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const lock = () => rows<{ pr: number }>(`SELECT pr FROM locks WHERE repo = 'acme/${name}'`);
    expect(lock()).toEqual([{ pr: pr.number }]);
    return { repo, pr, lock };
  }

  // A redelivery comes after what happened since: a close whose delivery failed, redelivered once
  // the PR was reopened (and planned again), must not release what the open PR holds.
  it("a close redelivered after the pull request was reopened releases nothing: the open PR keeps its lock and plan", async () => {
    const { repo, pr, lock } = await plannedAndLocked("reopened");
    // The redeliverer's look is slow (GitHub holds its read) while the PR is closed and reopened.
    const hold = holdNext("GET", /^\/app\/hook\/deliveries/);
    await h.sim.waitFor(() => hold.arrived, { message: "the redeliverer never looked", timeoutMs: 30_000 });
    const { delivery } = await h.sim.unreachable(() => h.sim.closePullRequest(repo, pr.number));
    expect(delivery.status).toBe(0);
    expect((await h.sim.reopenPullRequest(repo, pr.number)).delivery.status).toBe(202);
    await completed(h, repo, pr.headSha, "sluice/plan", 2);
    expect(lock()).toEqual([{ pr: pr.number }]);
    hold.release();
    await h.sim.waitFor(() => attemptsOf(delivery.deliveryId).some((d) => d.redelivery && d.status === 202), {
      message: "the failed close was not asked for again",
      timeoutMs: 30_000,
    });
    const active = () =>
      rows<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE repo = 'acme/reopened' AND status IN ('queued', 'running')")[0]?.n ?? 0;
    await new Promise((r) => setTimeout(r, 1_000));
    await h.sim.waitFor(() => active() === 0, { message: "jobs did not end", timeoutMs: 60_000 });
    expect(lock()).toEqual([{ pr: pr.number }]);
    expect(
      rows<{ n: number }>(`SELECT COUNT(*) AS n FROM plans WHERE repo = 'acme/reopened' AND pr = ${pr.number} AND status = 'pending'`)[0]
        ?.n,
    ).toBe(1);
  }, 240_000);

  it("control: a close redelivered while the pull request is still closed releases its lock", async () => {
    const { repo, pr, lock } = await plannedAndLocked("closed-still");
    const { delivery } = await h.sim.unreachable(() => h.sim.closePullRequest(repo, pr.number));
    expect(delivery.status).toBe(0);
    await h.sim.waitFor(() => attemptsOf(delivery.deliveryId).some((d) => d.redelivery && d.status === 202), {
      message: "the failed close was not asked for again",
      timeoutMs: 30_000,
    });
    // Released by the redelivered close, well before the heal's 30 s grace would.
    await h.sim.waitFor(() => lock().length === 0, { message: "the redelivered close released nothing", timeoutMs: 20_000 });
    expect(bot(h, repo, pr.number).filter((c) => c.body.includes("did not receive"))).toEqual([]);
  }, 240_000);
});

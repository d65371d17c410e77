import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { bot, completed } from "./trust-holes-support.js";

/**
 * GitHub does not send a failed webhook delivery again by itself: Sluice asks for it (GET
 * /app/hook/deliveries, POST …/attempts), at start and at each reconcile interval.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "reconcile_interval: 1s\nredeliver_within: 1h\n" });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

const attemptsOf = (guid: string) => h.sim.deliveries.filter((d) => d.deliveryId === guid);

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
});

import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";

// GitHub's "approval of the most recent push", for a head force-pushed back to a commit whose
// first push Sluice heard, when the push back's `synchronize` is lost: who pushed it back is read
// from the branch's activity, and their approval does not count.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];
const RULE = "an approval of the most recent push must come from someone else";

const bot = (h: Harness, repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function comment(h: Harness, repo: Repo, pr: number, user: string, body: string) {
  const before = bot(h, repo, pr).length;
  await h.sim.comment(repo, pr, { user, body });
  await h.sim.waitFor(
    () => bot(h, repo, pr).length > before && /·\s*(✅|❌|⛔|⚠️)|Nothing to apply/.test(bot(h, repo, pr)[before]?.body ?? ""),
    { message: "no finished reply", timeoutMs: 90_000 },
  );
  return (bot(h, repo, pr)[before]?.body ?? "").replaceAll("\u200b", "");
}

async function planned(h: Harness, repo: Repo, sha: string) {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
    message: `no completed plan on ${sha.slice(0, 7)}`,
    timeoutMs: 90_000,
  });
}

describe("a head force-pushed back, its event lost", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ serverConfig: "apply_requirements: [approved]\napprovals: 1\n" });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("bob pushed alice's earlier head back and approves it: refused, naming him; carol's approval applies", async () => {
    const state = join(h.stateDir, "pushed-back.tfstate");
    for (const u of ["alice", "bob", "carol"]) h.sim.setPermission("acme/pushed-back", u, "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "pushed-back", files: { "net/main.tf": statefulProject("net", state, 0) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice", title: "grow net" });
    const files = (count: number) => ({ "net/main.tf": statefulProject("net", state, count) });
    const x = (await h.sim.pushToPullRequest(repo, pr.number, files(2), { sender: "alice" })).headSha;
    await planned(h, repo, x);
    const y = (await h.sim.pushToPullRequest(repo, pr.number, files(3), { sender: "alice" })).headSha;
    await planned(h, repo, y);
    h.sim.setWebhookTarget("http://127.0.0.1:9"); // bob's push back's webhook is lost
    await h.sim.forcePushPullRequest(repo, pr.number, x, { sender: "bob" });
    const pushedBack = Date.now();
    h.sim.setWebhookTarget(h.app.url);
    await comment(h, repo, pr.number, "alice", "/plan");
    await h.sim.approve(repo, pr.number, "bob");
    // GitHub's times are whole seconds: an /apply of the push back's second counts as written
    // before it (refused as such, not for bob's approval). This one is written in a later second.
    await new Promise((r) => setTimeout(r, Math.max(0, pushedBack + 2_000 - Date.now())));
    const reply = await comment(h, repo, pr.number, "alice", "/apply");
    expect(reply).toContain(`@bob pushed the head commit ${x.slice(0, 7)}; ${RULE}`);
    expect(await stateResources(state)).toEqual([]);
    // Control: a reviewer who did not push counts.
    await h.sim.approve(repo, pr.number, "carol");
    expect(await comment(h, repo, pr.number, "alice", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });
});

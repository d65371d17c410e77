import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestPermissions } from "../simulator/installation-permissions.js";
import { type Harness, startHarness, statefulProject } from "../support/harness.js";
import { bot, completed, FINAL, say } from "./trust-holes-support.js";

/**
 * Automerge merges the pull request Sluice applied: GitHub merges whatever the head is when the
 * merge call lands unless the call names the head (`sha`), so a push between the apply and the
 * merge would land commits nobody planned, reviewed or applied.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    serverConfig: "apply_requirements: []\nautomerge: true\n",
    // GitHub lets an app merge only with contents: write.
    beforeStart: async (sim) => sim.setInstallationPermissions({ ...manifestPermissions(), contents: "write" }),
  });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

async function plannedPr(name: string) {
  const state = join(h.stateDir, `${name}.tfstate`);
  h.sim.setPermission(`acme/${name}`, "alice", "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return { repo, pr, state };
}

describe("automerge after an apply", () => {
  it("does not merge a head pushed after the apply: the merge names the applied head", async () => {
    const { repo, pr, state } = await plannedPr("automerge-race");
    let release = () => {};
    let held = () => {};
    const arrived = new Promise<void>((r) => {
      held = r;
    });
    h.sim.failNext({
      method: "PUT",
      pathPattern: /\/pulls\/\d+\/merge$/,
      holdUntil: new Promise<void>((r) => {
        release = r;
      }),
      onHeld: () => held(),
    });
    const before = bot(h, repo, pr.number).length;
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/apply" });
    await arrived;
    // The merge call is on its way: a new commit lands on the PR's branch first.
    const pushed = await h.sim.pushToPullRequest(repo, pr.number, { "net/main.tf": statefulProject("net", state, 5) });
    release();
    await h.sim.waitFor(
      () =>
        bot(h, repo, pr.number)
          .slice(before)
          .some((c) => /automerge/.test(c.body) && FINAL.test(c.body)),
      { message: "no final apply answer", timeoutMs: 120_000 },
    );
    const now = h.sim.pullRequest(repo, pr.number);
    expect(now.headSha).toBe(pushed.headSha);
    expect(now.merged, "the unapplied head was merged").toBe(false);
    expect(
      bot(h, repo, pr.number)
        .slice(before)
        .map((c) => c.body)
        .join("\n"),
    ).toContain("automerge failed");
  });

  it("control: with no push in between, the applied PR is merged", async () => {
    const { repo, pr } = await plannedPr("automerge-plain");
    expect(await say(h, repo, pr.number, "alice", "/apply")).toContain("merged (automerge)");
    expect(h.sim.pullRequest(repo, pr.number).merged).toBe(true);
  });
});

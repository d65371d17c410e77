import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { bot, completed, FINAL } from "./trust-holes-support.js";

/**
 * A pull request whose plan waited for another's lock "will be planned again when the lock is
 * released": Sluice queues that autoplan itself (actor `sluice`). It runs the head's code, so
 * where `permissions: {plan: …}` names who may plan the project, the author and whoever pushed the
 * head are asked, not `sluice`.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: ["allow_fork_prs: true", "permissions:", '  - { match: "acme/*:prod", plan: [carol, dave] }', ""].join("\n"),
  });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

/** acme/NAME with project `dir` (writable by `writers`) and dave's pull request holding its lock, planned. */
async function heldByDave(name: string, { dir = "prod", writers = ["carol", "dave"] } = {}) {
  for (const u of writers) h.sim.setPermission(`acme/${name}`, u, "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { [`${dir}/main.tf`]: tfProject(dir, 1) } });
  await h.sim.pushBranch(repo, { branch: "first", files: { [`${dir}/main.tf`]: tfProject(dir, 2) } });
  const holder = await h.sim.openPullRequest(repo, { head: "first", author: "dave" });
  await completed(h, repo, holder.headSha, "sluice/plan");
  return { repo, holder };
}

/** heldByDave, and carol's pull request (branch `second`) waiting for that lock, planned. */
async function waitingBehindDave(name: string, opts: { dir?: string; writers?: string[] } = {}) {
  const dir = opts.dir ?? "prod";
  const { repo, holder } = await heldByDave(name, opts);
  await h.sim.pushBranch(repo, { branch: "second", files: { [`${dir}/main.tf`]: tfProject(dir, 3) } });
  const pr = await h.sim.openPullRequest(repo, { head: "second", author: "carol" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return { repo, holder, pr };
}

describe("the autoplan Sluice queues when a lock is released", { timeout: 300_000 }, () => {
  it("plans carol's pull request, whom the rule lets plan prod", async () => {
    const { repo, holder, pr } = await waitingBehindDave("lock-release");
    expect(
      bot(h, repo, pr.number)
        .map((c) => c.body)
        .join("\n"),
    ).toContain(`locked by #${holder.number}`);
    await h.sim.closePullRequest(repo, holder.number, { user: "dave" });
    const replanned = await completed(h, repo, pr.headSha, "sluice/plan", 2);
    const said = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(said).not.toContain("is not one of them");
    expect(replanned.conclusion, replanned.output.summary ?? "").toBe("success");
  });

  it("a head pushed by a user the rule does not list is not planned in the author's name when the lock is released", async () => {
    const { repo, holder } = await waitingBehindDave("lock-release-push", { writers: ["carol", "dave", "mallory"] });
    // mallory, whom the rule does not let plan prod, pushes to carol's waiting pull request: her autoplan is refused.
    const pushed = await h.sim.pushBranch(repo, { branch: "second", files: { "prod/main.tf": tfProject("prod", 4) }, pusher: "mallory" });
    const own = await completed(h, repo, pushed, "sluice/plan");
    expect(own.output.summary ?? "").toContain("@\u200bmallory is not one of them");
    await h.sim.closePullRequest(repo, holder.number, { user: "dave" });
    // The plan Sluice queues for the released lock runs mallory's code: she is asked too, not carol alone.
    const replanned = await completed(h, repo, pushed, "sluice/plan", 2);
    expect(replanned.conclusion).toBe("failure");
    expect(replanned.output.summary ?? "").toContain("@\u200bmallory is not one of them");
  });

  it("a head whose push Sluice never heard: GitHub's branch activity names mallory, and the released lock's plan asks her too", async () => {
    const { repo, holder } = await waitingBehindDave("lock-release-lost", { writers: ["carol", "dave", "mallory"] });
    // mallory's push reaches GitHub, its webhook never reaches Sluice.
    h.sim.setWebhookTarget("http://127.0.0.1:9");
    const pushed = await h.sim.pushBranch(repo, { branch: "second", files: { "prod/main.tf": tfProject("prod", 4) }, pusher: "mallory" });
    h.sim.setWebhookTarget(h.app.url);
    await h.sim.closePullRequest(repo, holder.number, { user: "dave" });
    const replanned = await completed(h, repo, pushed, "sluice/plan");
    expect(replanned.conclusion).toBe("failure");
    expect(replanned.output.summary ?? "").toContain("@\u200bmallory is not one of them");
  });

  it("a fork's head carol saved in GitHub's web editor (committed by web-flow), its push never heard: the released lock's plan asks carol, not web-flow", async () => {
    const { repo, holder } = await heldByDave("lock-release-web");
    const edited = await h.sim.pushBranch(repo, { branch: "patch-1", files: { "prod/main.tf": tfProject("prod", 3) } });
    repo.commitUsers ??= new Map();
    repo.commitUsers.set(edited, { author: "carol", committer: "web-flow" });
    const pr = await h.sim.openPullRequest(repo, { head: "patch-1", author: "carol", headRepo: "carol/lock-release-web" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    await h.sim.closePullRequest(repo, holder.number, { user: "dave" });
    const replanned = await completed(h, repo, pr.headSha, "sluice/plan", 2);
    expect(replanned.output.summary ?? "").not.toContain("web-flow");
    expect(replanned.conclusion).toBe("success");
  });

  it("mallory pushes carol's head commit to a fork's pull request of her own: the released lock's plan of carol's asks carol, not mallory", async () => {
    const { repo, holder, pr } = await waitingBehindDave("lock-release-copy");
    // Anyone can fetch a public commit and push it to their fork: mallory's PR's head is carol's.
    await h.sim.pushBranch(repo, { branch: "copy", files: { "README.md": "fork\n" } });
    const copy = await h.sim.openPullRequest(repo, { head: "copy", author: "mallory", headRepo: "mallory/lock-release-copy" });
    await h.sim.forcePushPullRequest(repo, copy.number, pr.headSha, { sender: "mallory" });
    // Her push is heard (her plan of it is refused: she may not write here).
    const heard = () => bot(h, repo, copy.number).some((c) => c.body.includes(pr.headSha.slice(0, 7)) && FINAL.test(c.body));
    await h.sim.waitFor(heard, { message: "mallory's push was not answered", timeoutMs: 120_000 });
    const said = bot(h, repo, pr.number).length;
    await h.sim.closePullRequest(repo, holder.number, { user: "dave" });
    const replanned = () =>
      bot(h, repo, pr.number)
        .slice(said)
        .find((c) => FINAL.test(c.body))?.body;
    await h.sim.waitFor(() => replanned() !== undefined, { message: "carol's PR was not planned again", timeoutMs: 120_000 });
    expect(replanned()).not.toContain("mallory");
    expect(replanned()).toContain("✅");
  });

  it("a project no rule names who plans: the released lock's plan reads no branch activity to find the head's pusher", async () => {
    const { repo, holder, pr } = await waitingBehindDave("lock-release-stage", { dir: "stage" });
    const activity = () => h.sim.calls.filter((c) => c.path === `/repos/${repo.fullName}/activity`).length;
    await h.sim.closePullRequest(repo, holder.number, { user: "dave" });
    const replanned = await completed(h, repo, pr.headSha, "sluice/plan", 2);
    expect(replanned.conclusion).toBe("success");
    expect(activity()).toBe(0);
  });

  it("control: the rule still refuses an author it does not list", async () => {
    h.sim.setPermission("acme/lock-release-alice", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "lock-release-alice", files: { "prod/main.tf": tfProject("prod", 1) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "prod/main.tf": tfProject("prod", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    expect(
      bot(h, repo, pr.number)
        .map((c) => c.body)
        .join("\n"),
    ).toContain("@\u200balice is not one of them");
  });
});

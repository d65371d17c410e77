import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { bot, completed, say, storeRows } from "./trust-holes-support.js";

/**
 * A repository renamed (or transferred) on GitHub while its pull requests hold locks. Locks,
 * saved plans and holds are kept by `owner/name`: left under the old name, a lock PR A took
 * would not exclude PR B planned under the new one (two PRs applying one project), and A's
 * saved plan would not be the one an `/apply` under the new name finds.
 */
let h: Harness;

beforeAll(async () => {
  // A freeze (and any restricting rule) written for a repository's name before it was renamed.
  h = await startHarness({
    serverConfig:
      "freezes:\n" +
      '  - { match: "acme/frozen", from: "2020-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z", reason: "freeze" }\n' +
      '  - { match: "acme/iced", from: "2020-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z", reason: "freeze" }\n',
  });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const said = (repo: Parameters<typeof bot>[1], pr: number) =>
  bot(h, repo, pr)
    .map((c) => c.body)
    .join("\n");

/** acme/NAME with one stateful project `net`, and PR A (alice) that grows it, planned: A holds net's lock. */
async function heldByA(name: string) {
  const state = join(h.stateDir, `${name}.tfstate`);
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
  for (const u of ["alice", "bob", "carol"]) h.sim.setPermission(repo, u, "write");
  await h.sim.pushBranch(repo, { branch: "a", files: { "net/main.tf": statefulProject("net", state, 2) } });
  const a = await h.sim.openPullRequest(repo, { head: "a", author: "alice" });
  expect((await completed(h, repo, a.headSha, "sluice/plan")).conclusion).toBe("success");
  return { repo, a, state };
}

describe("a repository renamed while a pull request holds a lock", { timeout: 400_000 }, () => {
  it("PR B under the new name is refused by A's lock; A's saved plan applies under the new name; then B plans and applies", async () => {
    const { repo, a, state } = await heldByA("rename-old");
    const renamed = await h.sim.moveRepository(repo, { name: "rename-new", sender: "octo-admin" });
    expect(renamed?.status).toBe(202);
    expect(repo.fullName).toBe("acme/rename-new");
    // A redelivery of the rename moves nothing twice.
    expect((await h.sim.redeliver(renamed?.deliveryId ?? "")).status).toBe(202);

    const extra = 'resource "terraform_data" "extra" {\n  input = "b"\n}\n';
    await h.sim.pushBranch(repo, { branch: "b", files: { "net/extra.tf": extra } });
    const b = await h.sim.openPullRequest(repo, { head: "b", author: "carol" });
    await completed(h, repo, b.headSha, "sluice/plan");
    expect(said(repo, b.number)).toContain(`locked by #${a.number}`);
    // A delivery made before the rename and delivered again after it names the old name: not a
    // rename back, nothing moves back there.
    const opened = h.sim.deliveries.find((d) => d.event === "pull_request" && d.action === "opened" && d.repositoryId === repo.id);
    expect((await h.sim.redeliver(opened?.deliveryId ?? "")).status).toBe(202);
    const locks = (name: string) => storeRows<{ pr: number }>(h.app.dataDir, "SELECT pr FROM locks WHERE repo = ?", name);
    expect(locks("acme/rename-old")).toEqual([]);
    expect(locks("acme/rename-new")).toEqual([{ pr: a.number }]);

    // A's plan, saved under the old name, is the one `/apply` under the new name applies.
    await h.sim.approve(repo, a.number, "bob");
    expect(await say(h, repo, a.number, "bob", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);

    // Control: once A is merged its lock is gone, and B plans (again, by itself) and applies.
    await h.sim.mergePullRequest(repo, a.number, { user: "alice" });
    const replanned = await completed(h, repo, b.headSha, "sluice/plan", 2);
    expect(replanned.conclusion, replanned.output.summary ?? "").toBe("success");
    // B brought up to date with A's change, so that its apply adds to it.
    const { headSha: sha } = await h.sim.pushToPullRequest(repo, b.number, {
      "net/main.tf": statefulProject("net", state, 2),
      "net/extra.tf": extra,
    });
    expect((await completed(h, repo, sha, "sluice/plan")).conclusion).toBe("success");
    await h.sim.approve(repo, b.number, "bob");
    expect(await say(h, repo, b.number, "bob", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.extra", "terraform_data.net_0", "terraform_data.net_1"]);
    const moves = storeRows<{ repo: string; detail: string }>(
      h.app.dataDir,
      "SELECT repo, detail FROM audit_events WHERE action = 'repository-moved'",
    );
    expect(moves).toHaveLength(1);
    expect(moves[0]?.repo).toBe("acme/rename-new");
    expect(moves[0]?.detail).toContain("acme/rename-old → acme/rename-new (renamed");
  });

  it("a transfer whose delivery GitHub lost: the next delivery under the new owner moves A's lock by the repository's id", async () => {
    const { repo, a, state } = await heldByA("transfer-me");
    await h.sim.moveRepository(repo, { owner: "newco", silent: true });
    for (const u of ["alice", "bob", "carol"]) h.sim.setPermission(repo, u, "write");
    expect(repo.fullName).toBe("newco/transfer-me");
    await h.sim.pushBranch(repo, { branch: "b", files: { "net/main.tf": statefulProject("net", state, 3) } });
    const b = await h.sim.openPullRequest(repo, { head: "b", author: "carol" });
    await completed(h, repo, b.headSha, "sluice/plan");
    expect(said(repo, b.number)).toContain(`locked by #${a.number}`);
    const [move] = storeRows<{ detail: string }>(
      h.app.dataDir,
      "SELECT detail FROM audit_events WHERE action = 'repository-moved' AND repo = ?",
      "newco/transfer-me",
    );
    expect(move?.detail).toContain("acme/transfer-me → newco/transfer-me (seen");
  });

  it("a freeze written for the repository's old name still holds it after a rename; control: it holds no other repository", async () => {
    const { repo, a } = await heldByA("frozen");
    await h.sim.approve(repo, a.number, "bob");
    expect(await say(h, repo, a.number, "bob", "/apply")).toContain("freeze");
    // No wait for the refused job to end: it gave up the PR's apply slot before its refusal was posted.
    await h.sim.moveRepository(repo, { name: "thawed", sender: "octo-admin" });
    expect(await say(h, repo, a.number, "bob", "/apply")).toContain("freeze");
    // Control: a repository that never was acme/frozen applies (the freeze names only that one).
    const { repo: other, a: b } = await heldByA("never-frozen");
    await h.sim.approve(other, b.number, "bob");
    expect(await say(h, other, b.number, "bob", "/apply")).toMatch(/applied/i);
  });

  it("renamed onto a name another repository's lock was left under: not acted on there, its lock and freeze would not hold it", async () => {
    // acme/decoy holds a lock on `other`, then goes away without a delivery Sluice hears (deleted,
    // or renamed while its delivery was lost): its lock stays under acme/decoy.
    const decoyState = join(h.stateDir, "decoy.tfstate");
    const decoy = await h.sim.createRepo({
      owner: "acme",
      name: "decoy",
      files: { "other/main.tf": statefulProject("other", decoyState, 0) },
    });
    h.sim.setPermission(decoy, "alice", "write");
    await h.sim.pushBranch(decoy, { branch: "d", files: { "other/main.tf": statefulProject("other", decoyState, 1) } });
    const d = await h.sim.openPullRequest(decoy, { head: "d", author: "alice" });
    expect((await completed(h, decoy, d.headSha, "sluice/plan")).conclusion).toBe("success");
    await h.sim.moveRepository(decoy, { name: "decoy-gone", silent: true });
    // acme/iced (frozen; PR A holds net) renamed to acme/decoy: the move is refused.
    const { repo, a, state } = await heldByA("iced");
    expect((await h.sim.moveRepository(repo, { name: "decoy", sender: "octo-admin" }))?.status).toBe(202);
    expect(repo.fullName).toBe("acme/decoy");
    const before = storeRows<{ n: number }>(h.app.dataDir, "SELECT MAX(id) AS n FROM jobs")[0]?.n;
    // PR B under the new name: were it planned there, A's lock would not exclude it.
    await h.sim.pushBranch(repo, { branch: "b", files: { "net/main.tf": statefulProject("net", state, 3) } });
    const b = await h.sim.openPullRequest(repo, { head: "b", author: "carol" });
    expect(b.delivery.status).toBe(500);
    // A's /apply there would pass the freeze written for acme/iced.
    await h.sim.approve(repo, a.number, "bob");
    expect((await h.sim.comment(repo, a.number, { user: "bob", body: "/apply" })).delivery.status).toBe(500);
    const lastJob = () => storeRows<{ n: number }>(h.app.dataDir, "SELECT MAX(id) AS n FROM jobs")[0]?.n;
    expect(lastJob()).toBe(before);
    expect(await stateResources(state)).toEqual([]);
    expect(h.app.output()).toContain("not acted on: acme/decoy is the repository known as acme/iced");
  });
});

describe("a repository deleted, and another renamed onto its name", { timeout: 400_000 }, () => {
  it("the renamed one is answered under the name; the deleted one's lock is kept aside, excluding nothing of it", async () => {
    const { repo: old } = await heldByA("replaced");
    const state = join(h.stateDir, "replaced-v2.tfstate");
    const next = await h.sim.createRepo({ owner: "acme", name: "replaced-v2", files: { "net/main.tf": statefulProject("net", state, 0) } });
    for (const u of ["alice", "bob", "carol"]) h.sim.setPermission(next, u, "write");
    expect((await h.sim.deleteRepository(old, { sender: "octo-admin" }))?.status).toBe(202);
    expect((await h.sim.moveRepository(next, { name: "replaced", sender: "octo-admin" }))?.status).toBe(202);
    expect(next.fullName).toBe("acme/replaced");
    // The deleted repository's PR held net's lock under acme/replaced: kept aside, it does not hold this one's net.
    await h.sim.pushBranch(next, { branch: "c", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const c = await h.sim.openPullRequest(next, { head: "c", author: "carol" });
    expect((await completed(h, next, c.headSha, "sluice/plan")).conclusion).toBe("success");
    expect(said(next, c.number)).not.toContain("locked by");
    expect(storeRows(h.app.dataDir, "SELECT DISTINCT repo FROM locks WHERE repo LIKE 'acme/replaced%' ORDER BY repo")).toEqual([
      { repo: "acme/replaced" },
      { repo: `acme/replaced~deleted-${old.id}` },
    ]);
  });
});

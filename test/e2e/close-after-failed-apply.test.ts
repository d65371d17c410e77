import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { httpBackendBlock, type HttpStateBackend, startHttpStateBackend } from "../support/http-state-backend.js";
import { bot, completed, type Repo, say, storeRows } from "./trust-holes-support.js";

/**
 * Rule 8 on a pull request closed without its merge: an `/apply` that failed once its tool ran
 * (here its read-back: a backend that acknowledges a state and keeps nothing) may have left the
 * state unlike what the backend says. Its close kept nothing before: the next pull request planned
 * on that state at once. Now the closed PR keeps its locks until someone comments `/unlock`, as a
 * merged one whose apply on merge failed does; a close whose event was lost is healed the same way.
 */
let h: Harness;
/** One backend (one state) per repository. */
const backends: HttpStateBackend[] = [];

beforeAll(async () => {
  // One repository's apply credentials read a server variable that is not set: its apply is
  // refused before the tool starts.
  h = await startHarness({
    serverConfig: [
      "reconcile_interval: 1s",
      "credentials:",
      '  - match: "acme/closed-uncredentialed:net"',
      "    apply:",
      '      env: { CLOUD_KEY: "env:SLUICE_TEST_NEVER_SET_KEY" }',
      "",
    ].join("\n"),
  });
}, 120_000);
afterAll(async () => {
  for (const b of backends) await b.close();
  await h?.stop();
});

const locks = (repo: string) => storeRows<{ pr: number; dir: string }>(h.app.dataDir, `SELECT pr, dir FROM locks WHERE repo = '${repo}'`);

/** acme/NAME with a `net` project on the test's HTTP backend, a PR growing it planned and approved. */
async function approvedPr(name: string) {
  const backend = await startHttpStateBackend();
  backends.push(backend);
  const project = (n: number) => `${httpBackendBlock(backend.url)}${tfProject("net", n)}`;
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": project(0) } });
  for (const u of ["alice", "bob"]) h.sim.setPermission(repo, u, "write");
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": project(2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  await h.sim.approve(repo, pr.number, "bob");
  return { repo, pr, backend, project };
}

/** `/apply` by alice while the backend drops every write: the tool runs, the read-back fails it. */
async function failedApply(backend: HttpStateBackend, repo: Repo, pr: number) {
  backend.dropWrites = true;
  try {
    const reply = await say(h, repo, pr, "alice", "/apply");
    expect(reply).toContain("not what it applied");
  } finally {
    backend.dropWrites = false;
  }
}

describe("a pull request closed after an apply of it failed", () => {
  it("keeps its locks until /unlock: the next PR waits (control: one whose apply landed releases them at its close)", async () => {
    // Control: an apply that landed, then the close: the lock goes with it.
    const ok = await approvedPr("closed-applied");
    await say(h, ok.repo, ok.pr.number, "alice", "/apply");
    expect((await completed(h, ok.repo, ok.pr.headSha, "sluice/apply")).conclusion).toBe("success");
    await h.sim.closePullRequest(ok.repo, ok.pr.number);
    await h.sim.waitFor(() => locks("acme/closed-applied").length === 0, {
      message: "the lock outlived a good apply's close",
      timeoutMs: 60_000,
    });

    const { repo, pr, backend, project } = await approvedPr("closed-failed");
    await failedApply(backend, repo, pr.number);
    await h.sim.closePullRequest(repo, pr.number);
    await h.sim.waitFor(() => bot(h, repo, pr.number).some((c) => c.body.includes("keeps its locks")), {
      message: "the closed PR did not say it keeps its locks",
      timeoutMs: 60_000,
    });
    const said = bot(h, repo, pr.number).find((c) => c.body.includes("keeps its locks"))?.body ?? "";
    expect(said).toContain("`net`");
    expect(said).toContain("/unlock");
    // Not "`/plan` on a pull request shows it": no pull request plans the project while the lock is kept.
    expect(said).not.toContain("`/plan`");
    expect(locks("acme/closed-failed")).toEqual([{ pr: pr.number, dir: "net" }]);

    // The next pull request on the project is told whose lock it waits for.
    await h.sim.pushBranch(repo, { branch: "more", files: { "net/main.tf": project(3) } });
    const next = await h.sim.openPullRequest(repo, { head: "more", author: "alice" });
    await h.sim.waitFor(() => bot(h, repo, next.number).some((c) => c.body.includes(`locked by #${pr.number}`)), {
      message: "the next PR was not told of the kept lock",
      timeoutMs: 60_000,
    });
    // Not that it waits for the close it already had: that its close kept the lock until /unlock.
    const told = bot(h, repo, next.number).find((c) => c.body.includes(`locked by #${pr.number}`))?.body ?? "";
    expect(told).toContain("keeps it until `/unlock`");
    // The heal sweeps (every second here) keep it too.
    expect(locks("acme/closed-failed").filter((l) => l.pr === pr.number)).toHaveLength(1);

    // Once someone checked the state, /unlock on the closed PR releases it.
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/unlock" });
    await h.sim.waitFor(() => locks("acme/closed-failed").every((l) => l.pr !== pr.number), {
      message: "the kept lock was not released by /unlock",
      timeoutMs: 60_000,
    });
    expect(bot(h, repo, pr.number).filter((c) => c.body.includes("keeps its locks"))).toHaveLength(1);
  }, 240_000);

  it("unlocked after the failure, planned again and closed: releases them (the unlock settled it); a failure after the unlock keeps them", async () => {
    const { repo, pr, backend } = await approvedPr("unlocked-then-closed");
    await failedApply(backend, repo, pr.number);
    const unlocked = await say(h, repo, pr.number, "bob", "/unlock");
    expect(locks("acme/unlocked-then-closed")).toEqual([]);
    expect(await say(h, repo, pr.number, "alice", "/plan")).toContain("net");
    expect(locks("acme/unlocked-then-closed")).toEqual([{ pr: pr.number, dir: "net" }]);
    await h.sim.closePullRequest(repo, pr.number);
    await h.sim.waitFor(() => locks("acme/unlocked-then-closed").length === 0, {
      message: "a close kept the locks of a failed apply a person had unlocked",
      timeoutMs: 60_000,
    });
    expect(bot(h, repo, pr.number).filter((c) => c.body.includes("keeps its locks"))).toHaveLength(0);
    expect(unlocked).toContain("closing this pull request keeps no locks for that apply again");
    const audit = storeRows<{ actor: string; detail: string }>(
      h.app.dataDir,
      "SELECT actor, detail FROM audit_events WHERE action = 'unlock' AND repo = 'acme/unlocked-then-closed'",
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toBe("bob");
    expect(audit[0]?.detail).toContain("settles its failed or cut-short apply");

    // Control: an apply that fails again after the unlock keeps them at the close.
    const again = await approvedPr("unlocked-failed-again");
    await failedApply(again.backend, again.repo, again.pr.number);
    await say(h, again.repo, again.pr.number, "bob", "/unlock");
    await say(h, again.repo, again.pr.number, "alice", "/plan");
    await failedApply(again.backend, again.repo, again.pr.number);
    await h.sim.closePullRequest(again.repo, again.pr.number);
    await h.sim.waitFor(() => bot(h, again.repo, again.pr.number).some((c) => c.body.includes("keeps its locks")), {
      message: "a failure after the unlock did not keep the locks",
      timeoutMs: 60_000,
    });
    expect(locks("acme/unlocked-failed-again")).toEqual([{ pr: again.pr.number, dir: "net" }]);
  }, 240_000);

  it("releases them when its apply was refused before its tool ran (no credentials): nothing changed the state", async () => {
    const { repo, pr } = await approvedPr("closed-uncredentialed");
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(reply).toContain("is not set or not readable on this server");
    await h.sim.closePullRequest(repo, pr.number);
    await h.sim.waitFor(() => locks("acme/closed-uncredentialed").length === 0, {
      message: "a close kept the locks of an apply whose tool never ran",
      timeoutMs: 60_000,
    });
    expect(bot(h, repo, pr.number).filter((c) => c.body.includes("keeps its locks"))).toHaveLength(0);
  }, 240_000);

  it("whose close event was lost is healed without releasing its locks, and told so once", async () => {
    const { repo, pr, backend } = await approvedPr("closed-failed-unheard");
    await failedApply(backend, repo, pr.number);
    const { delivery } = await h.sim.unreachable(() => h.sim.closePullRequest(repo, pr.number));
    expect(delivery.status).toBe(0);
    // Its own event is waited for 30 s (the least grace) before the heal acts.
    await h.sim.waitFor(() => bot(h, repo, pr.number).some((c) => c.body.includes("did not receive this pull request's close event")), {
      message: "the PR was not told its close was healed",
      timeoutMs: 90_000,
    });
    const healed = bot(h, repo, pr.number).find((c) => c.body.includes("did not receive"))?.body ?? "";
    expect(healed).toContain("Its locks are kept");
    // The cleanup the lost event would have queued ran (its plans are gone) and kept the lock.
    await h.sim.waitFor(() => bot(h, repo, pr.number).some((c) => c.body.includes("keeps its locks")), {
      message: "the healed close's cleanup did not say it keeps the locks",
      timeoutMs: 60_000,
    });
    await h.sim.waitFor(
      () =>
        storeRows<{ n: number }>(
          h.app.dataDir,
          `SELECT COUNT(*) AS n FROM plans WHERE repo = 'acme/closed-failed-unheard' AND status = 'pending'`,
        )[0]?.n === 0,
      { message: "the healed close left its plans pending", timeoutMs: 30_000 },
    );
    // Later sweeps (every second) neither release the lock nor say it again.
    const heals = () =>
      storeRows<{ n: number }>(
        h.app.dataDir,
        "SELECT COUNT(*) AS n FROM jobs WHERE repo = 'acme/closed-failed-unheard' AND kind = 'heal' AND status = 'done'",
      )[0]?.n ?? 0;
    const healsBefore = heals();
    await h.sim.waitFor(() => heals() >= healsBefore + 2, { message: "no more heal sweeps of the closed PR", timeoutMs: 60_000 });
    expect(locks("acme/closed-failed-unheard")).toEqual([{ pr: pr.number, dir: "net" }]);
    expect(bot(h, repo, pr.number).filter((c) => c.body.includes("did not receive"))).toHaveLength(1);
    expect(bot(h, repo, pr.number).filter((c) => c.body.includes("keeps its locks"))).toHaveLength(1);
    const audits = storeRows<{ detail: string }>(
      h.app.dataDir,
      "SELECT detail FROM audit_events WHERE action = 'reconciled' AND repo = 'acme/closed-failed-unheard' AND detail LIKE 'pr-closed:%'",
    );
    expect(audits).toHaveLength(1);
    expect(audits[0]?.detail).toContain("its locks are kept");
  }, 240_000);
});

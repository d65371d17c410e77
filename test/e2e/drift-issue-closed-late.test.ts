import { randomUUID } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Harness, startHarness, stateResources, statefulProject } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";
import { firstDriftIssue } from "./drift-issue-support.js";

/**
 * A drift issue's `issues.closed` discards the plan it shows. The delivery's body says the issue
 * was closed then, not that it is closed now: delivered again after someone reopened the issue and
 * a drift check showed a new plan on it (a captured body replayed under a new delivery id, which
 * the signature does not cover, or a retry arriving late), it must not discard the new plan.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "allowed_overrides: [drift]\n" });
});
afterAll(async () => {
  await h?.stop();
});

const pendingPlans = (repo: string, issue: number) => {
  const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    const sql = "SELECT count(*) AS n FROM plans WHERE repo = ? AND pr = ? AND status = 'pending'";
    return (db.prepare(sql).get(repo, issue) as { n: number }).n;
  } finally {
    db.close();
  }
};

/** acme/NAME, its net project's state at `state`, drift on demand, alice a writer, and an issue of hers to ask `/drift` on. */
async function driftRepo(name: string) {
  const state = join(h.stateDir, `${name}.tfstate`);
  const sluice = 'version: 1\ndrift:\n  schedule: "0 0 1 1 *"\n';
  const files = { ".sluice.yaml": sluice, "net/main.tf": statefulProject("net", state, 1) };
  const repo = await h.sim.createRepo({ owner: "acme", name, files });
  h.sim.setPermission(repo, "alice", "write");
  const ops = h.sim.openIssue(repo, { title: "infra checks", author: "alice" });
  return { state, repo, ops };
}

it("a close delivered again after the issue was reopened and planned again keeps the new plan (control: /apply applies it)", async () => {
  const { state, repo, ops } = await driftRepo("late-close");
  const checked = () => h.sim.comments(repo, ops.number).filter((c) => c.user === "sluice[bot]" && c.body.includes("Drift check")).length;
  const driftNow = async () => {
    const before = checked();
    await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
    await h.sim.waitFor(() => checked() > before, { message: "no /drift reply", timeoutMs: 60_000 });
    await untilIdle(h.app.dataDir);
  };

  await driftNow();
  const issue = h.sim.issues(repo).find((i) => i.labels.includes("sluice:drift"));
  if (!issue) throw new Error("no drift issue");
  expect(pendingPlans(repo.fullName, issue.number)).toBe(1);
  const closed = await h.sim.closeIssue(repo, issue.number, { user: "alice" });
  await untilIdle(h.app.dataDir);
  expect(pendingPlans(repo.fullName, issue.number)).toBe(0);

  await h.sim.reopenIssue(repo, issue.number, { user: "alice" });
  await driftNow();
  expect(h.sim.issues(repo).filter((i) => i.labels.includes("sluice:drift"))).toHaveLength(1);
  expect(pendingPlans(repo.fullName, issue.number)).toBe(1);

  expect((await h.sim.redeliver(closed.deliveryId, { asNewId: randomUUID() })).status).toBe(202);
  await untilIdle(h.app.dataDir);
  expect(pendingPlans(repo.fullName, issue.number)).toBe(1);

  await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
  await h.sim.waitFor(async () => (await stateResources(state)).length > 0, {
    message: "the reopened issue's plan was not applied",
    timeoutMs: 60_000,
  });
  expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
});

it("a drift issue whose label a person took off still discards its plan when closed, and says so", async () => {
  const { repo, ops } = await driftRepo("unlabelled-close");
  const issue = await firstDriftIssue(h, repo, ops, 60_000);
  expect(pendingPlans(repo.fullName, issue.number)).toBe(1);
  // The label taken off in the web UI (GitHub's `issues.unlabeled` is not acted on), then closed.
  issue.labels = issue.labels.filter((l) => l !== "sluice:drift");
  await h.sim.closeIssue(repo, issue.number, { user: "alice" });
  await h.sim.waitFor(() => pendingPlans(repo.fullName, issue.number) === 0, {
    message: "the plan of a drift issue closed without its label was kept",
    timeoutMs: 60_000,
  });
  await untilIdle(h.app.dataDir);
  expect(h.sim.comments(repo, issue.number).some((c) => c.body.includes("the plan it showed was discarded"))).toBe(true);
});

it("a drift issue a person closes while a check is updating it stays closed (control: the check's plan is not applicable there)", async () => {
  const { state, repo, ops } = await driftRepo("close-during-check");
  const issue = await firstDriftIssue(h, repo, ops, 60_000);

  // The next check's edit of the issue is held; the person closes the issue meanwhile.
  const hold = opened();
  const arrived = opened();
  h.sim.failNext({
    method: "PATCH",
    pathPattern: new RegExp(`/repos/acme/close-during-check/issues/${issue.number}$`),
    holdUntil: hold.promise,
    onHeld: () => arrived.resolve(),
  });
  await h.sim.comment(repo, ops.number, { user: "alice", body: "/drift" });
  await arrived.promise;
  await h.sim.closeIssue(repo, issue.number, { user: "alice" });
  await h.sim
    .waitFor(() => pendingPlans(repo.fullName, issue.number) === 0, { message: "close not acted on yet", timeoutMs: 20_000 })
    .catch(() => undefined);
  hold.resolve();
  await h.sim.waitFor(() => h.sim.comments(repo, ops.number).filter((c) => c.body.includes("Drift check")).length >= 2, {
    message: "the second check did not answer",
    timeoutMs: 60_000,
  });
  await untilIdle(h.app.dataDir);
  expect(h.sim.issues(repo).find((i) => i.number === issue.number)?.state).toBe("closed");
  await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
  await untilIdle(h.app.dataDir);
  expect(await stateResources(state)).toEqual([]);
});

/** A promise and the function that settles it. */
function opened(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

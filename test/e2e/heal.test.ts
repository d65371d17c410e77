import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { bot, completed } from "./trust-holes-support.js";

/**
 * Issue #46: a `closed` delivery GitHub could not make (the app unreachable) would keep the PR's
 * locks for good; the heal sweep asks GitHub and releases them, and says so.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { SLUICE_HEAL_MS: "1000" } });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

function rows<T>(sql: string): T[] {
  const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
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
    await h.sim.waitFor(() => locks().every((l) => l.pr !== gone.number), {
      message: "the closed PR's lock was never released",
      timeoutMs: 60_000,
    });
    await h.sim.waitFor(() => bot(h, repo, gone.number).some((c) => c.body.includes("did not receive this pull request's merge event")), {
      message: "the PR was not told",
      timeoutMs: 30_000,
    });
    const said = bot(h, repo, gone.number).find((c) => c.body.includes("merge event"))?.body ?? "";
    expect(said).toContain("never run late");
    expect(rows<{ detail: string }>("SELECT detail FROM audit_events WHERE action = 'pr-closed-healed'")[0]?.detail).toContain(
      "reconciled, the webhook was not received",
    );
    // Control: the open PR keeps its lock through the same sweeps.
    expect(locks()).toEqual([{ pr: open.number, project: "app" }]);
    // Nothing was applied for the merge.
    expect(h.sim.deployments(repo)).toEqual([]);
  }, 180_000);
});

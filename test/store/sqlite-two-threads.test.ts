import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { JobSpec, JobTarget } from "../../src/model/job.js";
import { groupCommit } from "../../src/store/db/sqlite-group-commit.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";

const target: JobTarget = { installationId: 7, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://example.test/a.git", pr: 1 };
const spec: JobSpec = { kind: "reply", body: "help", commentId: 1, actor: "alice" };

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Resolves once `n` turns of the event loop have passed: the loop is not held by a waiting call. */
const loopTurns = (n: number) =>
  new Promise<void>((resolve) => {
    const turn = (left: number) => (left === 0 ? resolve() : setImmediate(() => turn(left - 1)));
    turn(n);
  });

describe("the embedded store shared by the HTTP thread and the job thread", () => {
  it("a delivery waits for the other connection's write lock without holding the event loop, then commits", async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-two-"));
    const file = join(dir, "sluice.db");
    const store = openSqliteStore(file);
    // The job thread's connection, in the middle of a write.
    const jobs = new Database(file);
    jobs.exec("BEGIN IMMEDIATE");
    let settled = false;
    const recorded = store.recordDelivery("d-1", "issue_comment", { target, spec }).finally(() => {
      settled = true;
    });
    await loopTurns(20);
    expect(settled).toBe(false);
    jobs.exec("COMMIT");
    expect(await recorded).toEqual({ duplicate: false, jobId: expect.any(Number) });
    expect(jobs.prepare("SELECT delivery_id FROM jobs").all()).toEqual([{ delivery_id: "d-1" }]);
    jobs.close();
    await store.close();
  });

  it("calls grouped in one commit fail alone: the failing one is rolled back, the others are committed", async () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t (v TEXT NOT NULL)");
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    const one = (v: string) => {
      insert.run(v);
      if (v === "bad") throw new Error("refused");
      return v;
    };
    const grouped = groupCommit(db, { busyTimeoutMs: 5000 });
    const record = (v: string) => grouped(() => one(v));
    const outcomes = await Promise.allSettled([record("a"), record("bad"), record("b")]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(db.prepare("SELECT v FROM t ORDER BY v").all()).toEqual([{ v: "a" }, { v: "b" }]);
    db.close();
  });
});

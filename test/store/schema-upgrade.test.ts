import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobSpec } from "../../src/model/job.js";
import { MIGRATIONS } from "../../src/store/db/migrations.js";
import { openPostgresStore } from "../../src/store/postgres-store.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { createTestDatabase, postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";
import { POSTGRES_SCHEMA_BEFORE_VERSIONS } from "./schema-before-versions-postgres.js";
import { SQLITE_SCHEMA_BEFORE_VERSIONS } from "./schema-before-versions-sqlite.js";

const T = "2026-01-01T00:00:00.000Z";
const target = (pr: number) => ({
  installationId: 7,
  repo: { owner: "acme", name: "infra" },
  cloneUrl: "https://example.test/acme/infra.git",
  pr,
});
const summary = {
  add: 1,
  change: 0,
  destroy: 0,
  replace: 0,
  move: 0,
  import: 0,
  forget: 0,
  resources: [],
  moves: [],
  outputs: [],
  hasChanges: true,
};
const spec: JobSpec = { kind: "apply", trigger: "comment", actor: "octocat" };
const result = { kind: "reply", body: "done" };
const j = (v: unknown) => `'${JSON.stringify(v)}'`;
/** A console session still open when the upgrade runs. */
const LATER = new Date(Date.now() + 3600e3).toISOString();

/** Rows of every kind an older release kept (the first job and plan: id 1; job 2 an internal one under a made-up delivery), in each database's own spelling of booleans and bytes. */
function rows(d: "sqlite" | "postgres"): string {
  const yes = d === "sqlite" ? "1" : "true";
  const bytes = d === "sqlite" ? "X'00FF10'" : "decode('00ff10', 'hex')";
  const approver = d === "sqlite" ? "user" : "login";
  return `
INSERT INTO deliveries (id, event, job_id, received_at) VALUES ('d-1', 'issue_comment', 1, '${T}');
INSERT INTO jobs (delivery_id, target, spec, status, attempts, comment_ids, check_run_id, created_at, updated_at)
  VALUES ('d-1', ${j(target(1))}, ${j(spec)}, 'queued', 0, '[5]', 9000000000, '${T}', '${T}');
INSERT INTO deliveries (id, event, job_id, received_at) VALUES ('sluice-internal-abc', 'internal', 2, '${T}');
INSERT INTO jobs (delivery_id, target, spec, status, attempts, comment_ids, created_at, updated_at)
  VALUES ('sluice-internal-abc', ${j(target(4))}, ${j(spec)}, 'done', 1, '[]', '${T}', '${T}');
INSERT INTO plans (repo, pr, project, dir, workspace, runner, head_sha, base_sha, plan_path, plan_hash, summary, status, job_id, created_at)
  VALUES ('acme/infra', 1, 'net', 'net', 'default', 'terraform', 'h1', 'b1', '/data/net.tfplan', 'abc', ${j(summary)}, 'pending', 1, '${T}');
INSERT INTO plan_files (plan_id, sha256, size, bytes, mac) VALUES (1, 'abc', 3, ${bytes}, 'm1');
INSERT INTO locks (repo, dir, workspace, project, scope, pr, created_at) VALUES ('acme/infra', 'net', 'default', 'net', '', 1, '${T}');
INSERT INTO lock_waiters (repo, dir, workspace, scope, pr, target) VALUES ('acme/infra', 'net', 'default', '', 3, ${j(target(3))});
INSERT INTO policy_approvals (repo, pr, plan_hash, policy_set, ${approver}, created_at) VALUES ('acme/infra', 1, 'abc', 'cost', 'zed', '${T}');
INSERT INTO policy_approvals (repo, pr, plan_hash, policy_set, ${approver}, created_at) VALUES ('acme/infra', 1, 'abc', 'cost', 'amy', '${T}');
INSERT INTO plans (repo, pr, project, dir, workspace, runner, head_sha, base_sha, plan_path, plan_hash, summary, status, job_id, created_at)
  VALUES ('acme/infra', 42, 'net', 'net', 'default', 'terraform', 'm1', 'm1', '/data/drift.tfplan', 'def', ${j(summary)}, 'pending', 2, '${T}');
INSERT INTO drift_issues (repo, number, project, first_seen, comment_ids, plan_id, plan_hash, head_sha, open) VALUES ('acme/infra', 42, 'net', '${T}', '[7]', 2, 'def', 'm1', ${yes});
INSERT INTO live_applies (repo, project, dir, workspace, commit_sha, source, number, actor, approvers, plan_hash, outcome, deployment_id, started_at)
  VALUES ('acme/infra', 'net', 'net', 'default', 'c1', 'pr', 1, 'octocat', '["amy"]', 'abc', 'succeeded', 8000000000, '${T}');
INSERT INTO audit_events (at, actor, action, repo, project, pr, detail) VALUES ('${T}', 'amy', 'unlock', 'acme/infra', 'net', 1, 'by hand');
INSERT INTO job_results (job_id, result, status, created_at) VALUES (1, ${j(result)}, 'unposted', '${T}');
INSERT INTO flags (name, value) VALUES ('applies_paused', '{"by":"amy","reason":"freeze","at":"${T}"}');
INSERT INTO console_sessions (key, login, expires_at) VALUES ('k-github', 'octocat', '${LATER}');
INSERT INTO console_sessions (key, login, expires_at) VALUES ('k-sso', 'sso:corp:ada', '${LATER}');
`;
}

/** Everything the rows above say, read back through the store. */
async function readsBack(store: Store): Promise<void> {
  // Live console sessions stay open; an SSO one has no facts of its provider (its user signs in once more).
  expect(await store.consoleSession("k-github")).toEqual({ login: "octocat", expiresAt: LATER });
  expect(await store.consoleSession("k-sso")).toEqual({ login: "sso:corp:ada", expiresAt: LATER });
  expect(await store.getJob(1)).toMatchObject({
    id: 1,
    deliveryId: "d-1",
    target: target(1),
    spec,
    commentIds: [5],
    checkRunId: 9000000000,
  });
  expect(await store.pendingPlans("acme/infra", 1)).toMatchObject([{ id: 1, project: "net", summary, status: "pending", createdAt: T }]);
  // The plan a drift issue showed counts as shown when it was saved; a pull request's is never "shown" here.
  expect((await store.pendingPlans("acme/infra", 1))[0]?.shownAt).toBeUndefined();
  expect(await store.pendingPlans("acme/infra", 42)).toMatchObject([{ id: 2, createdAt: T, shownAt: T }]);
  expect(await store.planFile(1)).toEqual({ sha256: "abc", size: 3, bytes: Buffer.from([0, 255, 16]), mac: "m1" });
  expect(await store.policyApprovals({ repo: "acme/infra", pr: 1, planHash: "abc" })).toEqual([
    { policySet: "cost", user: "zed" },
    { policySet: "cost", user: "amy" },
  ]);
  expect(await store.driftIssue("acme/infra", 42)).toEqual({
    repo: "acme/infra",
    project: "net",
    number: 42,
    firstSeen: T,
    commentIds: [7],
    plan: { id: 2, hash: "def", headSha: "m1" },
    open: true,
  });
  expect(await store.liveApplies("acme/infra")).toMatchObject([
    { commitSha: "c1", approvers: ["amy"], deploymentId: 8000000000, startedAt: T },
  ]);
  expect(await store.auditEvents({})).toMatchObject([{ actor: "amy", action: "unlock", pr: 1, at: T }]);
  expect(await store.resultOf(1)).toEqual({ jobId: 1, posted: false, result });
  expect(await store.appliesPaused()).toEqual({ by: "amy", reason: "freeze", at: T });
  // The old lock still holds, its waiter is remembered, and new rows follow the old ones.
  expect(
    await store.takeLock({ repo: "acme/infra", dir: "net", workspace: "default", project: "net", scope: "", pr: 2 }, target(2)),
  ).toMatchObject({
    ok: false,
    heldBy: { pr: 1, createdAt: T },
  });
  expect(await store.recordDelivery("d-1", "issue_comment", { target: target(1), spec })).toEqual({ duplicate: true });
  // The queue filters on the columns filled from the old jobs' JSON.
  expect((await store.activeJobsOf("acme/infra", 1)).map((job) => job.id)).toEqual([1]);
  expect(await store.lastJobTarget("acme/infra", 4)).toEqual(target(4));
  expect((await store.recordDelivery("d-2", "issue_comment", { target: target(1), spec })).jobId).toBeGreaterThan(2);
  const released = await store.releaseLocks("acme/infra", 1);
  expect(released.waiters.map((w) => w.pr).sort()).toEqual([2, 3]);
}

const latest = MIGRATIONS.at(-1)?.version;

/** Jobs as columns now say, and deliveries that are GitHub's only (the made-up one is gone). */
function expectJobColumns(jobs: unknown[], deliveries: unknown[], dialect: "sqlite" | "postgres"): number {
  expect(jobs).toEqual([
    { id: 1, repo: "acme/infra", pr: 1, kind: "apply", source: "webhook" },
    { id: 2, repo: "acme/infra", pr: 4, kind: "apply", source: "internal" },
    { id: expect.any(Number), repo: "acme/infra", pr: 1, kind: "apply", source: "webhook" },
  ]);
  const added = (jobs[2] as { id: number }).id;
  // Right after the old ones; on PostgreSQL the refused duplicate used up a sequence number.
  if (dialect === "sqlite") expect(added).toBe(3);
  else expect(added).toBeGreaterThan(2);
  expect(deliveries).toEqual([{ id: "d-1" }, { id: "d-2" }]);
  return added;
}
const JOBS = "SELECT id, repo, pr, kind, source FROM jobs ORDER BY id";
const DELIVERIES = "SELECT id FROM deliveries ORDER BY id";

describe("a database made before schema versions is upgraded in place", () => {
  it("SQLite: the rows of the last release read back through the new store", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-upgrade-"));
    try {
      const file = join(dir, "sluice.db");
      const old = new Database(file);
      old.exec(SQLITE_SCHEMA_BEFORE_VERSIONS);
      old.exec(rows("sqlite"));
      old.close();
      const store = openSqliteStore(file);
      await readsBack(store);
      await store.close();
      const db = new Database(file);
      expect(db.prepare("SELECT MAX(version) AS v FROM schema_version").get()).toEqual({ v: latest });
      const added = expectJobColumns(db.prepare(JOBS).all(), db.prepare(DELIVERIES).all(), "sqlite");
      db.close();
      // Opening again applies nothing and keeps the rows.
      const again = openSqliteStore(file);
      expect(await again.getJob(added)).toMatchObject({ deliveryId: "d-2" });
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const pgAvailable = postgresAvailability();
  const pgIt = pgAvailable.ok ? it : it.skip;
  let server: TestPostgres | undefined;
  beforeAll(async () => {
    if (pgAvailable.ok) server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  pgIt("PostgreSQL: the rows of the last release read back through the new store", async () => {
    if (!server) throw new Error("no test PostgreSQL");
    const db = await createTestDatabase(server.url);
    const sql = async (text: string) => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        return (await c.query(text)).rows as unknown[];
      } finally {
        await c.end();
      }
    };
    const open = () => openPostgresStore(db.url, { replicaName: "upgrade", log: { warn: () => undefined } });
    try {
      await sql(POSTGRES_SCHEMA_BEFORE_VERSIONS);
      await sql(rows("postgres"));
      const store = await open();
      await readsBack(store);
      await store.close();
      expect(await sql("SELECT MAX(version) AS v FROM schema_version")).toEqual([{ v: latest }]);
      const added = expectJobColumns(await sql(JOBS), await sql(DELIVERIES), "postgres");
      const again = await open();
      expect(await again.getJob(added)).toMatchObject({ deliveryId: "d-2" });
      await again.close();
    } finally {
      await db.stop();
    }
  });
});

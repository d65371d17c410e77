import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { KeyedMutex } from "../util/keyed-mutex.js";
import { lockDataDir } from "./data-dir-lock.js";
import type * as rows from "./record-rows.js";
import { type Lite, sqliteRecords } from "./sqlite-rows.js";
import { sqliteAuditOutboxMethods } from "./sqlite-audit-outbox.js";
import { sqliteConsoleMethods } from "./sqlite-console.js";
import { sqliteDriftMethods } from "./sqlite-drift.js";
import { sqlitePolicyMethods } from "./sqlite-policies.js";
import { sqliteResultMethods } from "./sqlite-results.js";
import { previewMethods } from "./preview-store.js";
import {
  type JobPatch,
  type LockRecord,
  type NewPlan,
  type PlanFile,
  type PlanRecord,
  type ProjectKey,
  type Store,
  keyMatches,
  scopesConflict,
} from "./store.js";
import type { Job, JobSpec, JobTarget } from "../model/job.js";
import { type DeliveriesFirst, signalDeliveries, yieldingToDeliveries } from "./deliveries-first.js";
import { groupCommit } from "./db/sqlite-group-commit.js";
import { sqliteDb } from "./db/sqlite-db.js";
import { migrate } from "./db/migrate.js";
import { writeTransaction } from "./sqlite-write-tx.js";
import { errorMessage } from "../util/errors.js";

/** Row shapes as better-sqlite3 returns them: JSON as text, timestamps as ISO strings. */
type JobRow = rows.JobRow<Lite>;
type PlanRow = rows.PlanRow<Lite>;
type LockRow = rows.LockRow<Lite>;
type ApplyRow = rows.ApplyRow<Lite>;
const { toJob, toPlan, toLock, toApply } = sqliteRecords;

export interface SqliteStoreOptions {
  /**
   * This process already holds the data dir's lock through another connection: the job thread's
   * own connection, beside the HTTP thread's (one process, two threads, WAL lets both in).
   */
  processLockHeld?: boolean;
  /** The two threads' writes to one file: deliveries before jobs (deliveries-first.ts). */
  deliveriesFirst?: DeliveriesFirst;
}

const BUSY_TIMEOUT_MS = 5000;

/** The embedded store: one SQLite file in the data dir, WAL mode, for a single replica. */
export function openSqliteStore(file: string, opts: SqliteStoreOptions = {}): Store {
  let unlock = () => {};
  if (file !== ":memory:") {
    mkdirSync(dirname(file), { recursive: true });
    if (!opts.processLockHeld) unlock = lockDataDir(file);
  }
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const waiting = opts.deliveriesFirst?.side === "deliveries" ? signalDeliveries(opts.deliveriesFirst.flag) : undefined;
  const port = sqliteDb(db, { busyTimeoutMs: BUSY_TIMEOUT_MS, waiting });
  port.txSync((t) => migrate(t));

  const now = () => new Date().toISOString();
  const insertDelivery = db.prepare("INSERT OR IGNORE INTO deliveries (id, event, received_at) VALUES (?, ?, ?)");
  const insertJob = db.prepare(
    "INSERT INTO jobs (delivery_id, target, spec, status, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?)",
  );
  const linkJob = db.prepare("UPDATE deliveries SET job_id = ? WHERE id = ?");
  const deliverySeen = db.prepare("SELECT 1 FROM deliveries WHERE id = ?");
  const recordTx = writeTransaction(
    db,
    (deliveryId: string, event: string, job: { target: JobTarget; spec: JobSpec } | undefined, alsoKeys: string[] = []) => {
      const t = now();
      if (alsoKeys.some((k) => deliverySeen.get(k))) return { duplicate: true };
      if (insertDelivery.run(deliveryId, event, t).changes === 0) return { duplicate: true };
      for (const k of alsoKeys) insertDelivery.run(k, event, t);
      if (!job) return { duplicate: false };
      const jobId = Number(insertJob.run(deliveryId, JSON.stringify(job.target), JSON.stringify(job.spec), t, t).lastInsertRowid);
      linkJob.run(jobId, deliveryId);
      return { duplicate: false, jobId };
    },
  );

  const grouped = groupCommit(db, { busyTimeoutMs: BUSY_TIMEOUT_MS, waiting });
  const recordGrouped = (...args: Parameters<typeof recordTx>) => grouped(() => recordTx(...args));

  const repoOf = (t: string) => `json_extract(${t}.target, '$.repo.owner') || '/' || json_extract(${t}.target, '$.repo.name')`;
  // Fairness first (jobs of PRs, then repos, with the fewest running jobs), then age. The running
  // jobs are few: counted once per claim, not once per queued job.
  const selectQueued = db.prepare(
    `WITH r AS MATERIALIZED (SELECT ${repoOf("jobs")} AS repo, json_extract(jobs.target, '$.pr') AS pr FROM jobs WHERE status = 'running'),
          per_pr AS MATERIALIZED (SELECT repo, pr, count(*) AS n FROM r GROUP BY repo, pr),
          per_repo AS MATERIALIZED (SELECT repo, count(*) AS n FROM r GROUP BY repo),
          q AS (SELECT id, ${repoOf("jobs")} AS repo, json_extract(jobs.target, '$.pr') AS pr FROM jobs WHERE status = 'queued')
     SELECT jobs.* FROM jobs WHERE jobs.id = (
       SELECT q.id FROM q
       ORDER BY
         coalesce((SELECT n FROM per_pr WHERE per_pr.repo = q.repo AND per_pr.pr = q.pr), 0),
         coalesce((SELECT n FROM per_repo WHERE per_repo.repo = q.repo), 0),
         q.id
       LIMIT 1)`,
  );
  const selectActiveOf = db.prepare(
    `SELECT * FROM jobs j WHERE j.status IN ('queued', 'running') AND ${repoOf("j")} = ? AND json_extract(j.target, '$.pr') = ? ORDER BY j.id`,
  );
  const markRunning = db.prepare(
    "UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'queued'",
  );
  // The choice scans the queue: it is read without the write lock, which the HTTP thread's
  // deliveries wait for; the update then claims the job only if it is still queued.
  const claim = (): Job | undefined => {
    for (;;) {
      const row = selectQueued.get() as JobRow | undefined;
      if (!row) return undefined;
      if (markRunning.run(now(), row.id).changes === 1) return toJob({ ...row, status: "running", attempts: row.attempts + 1 });
    }
  };
  const selectJob = db.prepare("SELECT * FROM jobs WHERE id = ?");
  const selectRunning = db.prepare("SELECT * FROM jobs WHERE status = 'running' ORDER BY id");
  const requeue = db.prepare("UPDATE jobs SET status = 'queued', updated_at = ? WHERE id = ?");

  // Each status change returns the plans it changed: their files go in the same transaction.
  const supersedeOne = db.prepare(
    "UPDATE plans SET status = 'superseded' WHERE repo = ? AND pr = ? AND dir = ? AND workspace = ? AND (? IS NULL OR project = ?) AND status = 'pending' RETURNING id",
  );
  const deleteFile = db.prepare("DELETE FROM plan_files WHERE plan_id = ?");
  const dropFiles = (changed: unknown[]) => {
    for (const r of changed as { id: number }[]) deleteFile.run(r.id);
    return changed.length;
  };
  const insertPlan = db.prepare(
    `INSERT INTO plans (repo, pr, project, dir, workspace, runner, head_sha, base_sha, plan_path, plan_hash, summary, status, job_id, created_at)
     VALUES (@repo, @pr, @project, @dir, @workspace, @runner, @headSha, @baseSha, @planPath, @planHash, @summary, 'pending', @jobId, @createdAt)`,
  );
  const insertFile = db.prepare("INSERT INTO plan_files (plan_id, sha256, size, bytes, mac) VALUES (?, ?, ?, ?, ?)");
  const savePlanTx = writeTransaction(db, (plan: NewPlan, file: PlanFile): PlanRecord => {
    dropFiles(supersedeOne.all(plan.repo, plan.pr, plan.dir, plan.workspace, plan.project, plan.project));
    const createdAt = now();
    const id = Number(insertPlan.run({ ...plan, summary: JSON.stringify(plan.summary), createdAt }).lastInsertRowid);
    insertFile.run(id, file.sha256, file.size, file.bytes ?? null, file.mac ?? null);
    return { ...plan, id, status: "pending", createdAt };
  });
  const supersedeAll = db.prepare("UPDATE plans SET status = 'superseded' WHERE repo = ? AND pr = ? AND status = 'pending' RETURNING id");
  const supersedeTx = writeTransaction(db, (repo: string, pr: number, keys?: ProjectKey[]) => {
    if (!keys) return dropFiles(supersedeAll.all(repo, pr));
    let n = 0;
    for (const k of keys) n += dropFiles(supersedeOne.all(repo, pr, k.dir, k.workspace, k.project ?? null, k.project ?? null));
    return n;
  });
  const markAppliedTx = writeTransaction(db, (planId: number) => {
    db.prepare("UPDATE plans SET status = 'applied' WHERE id = ?").run(planId);
    deleteFile.run(planId);
  });
  const selectFile = db.prepare("SELECT sha256, size, bytes, mac FROM plan_files WHERE plan_id = ?");

  const selectLocksAt = db.prepare("SELECT * FROM locks WHERE repo = ? AND dir = ? AND workspace = ? ORDER BY created_at");
  const insertLock = db.prepare(
    `INSERT OR IGNORE INTO locks (repo, dir, workspace, project, scope, pr, created_at)
     VALUES (@repo, @dir, @workspace, @project, @scope, @pr, @createdAt)`,
  );
  const insertWaiter = db.prepare(
    "INSERT OR REPLACE INTO lock_waiters (repo, dir, workspace, scope, pr, target) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const deleteWaiter = db.prepare("DELETE FROM lock_waiters WHERE repo = ? AND dir = ? AND workspace = ? AND scope = ? AND pr = ?");
  const takeLockTx = writeTransaction(
    db,
    (lock: Omit<LockRecord, "createdAt">, waiter: JobTarget): { ok: true } | { ok: false; heldBy: LockRecord } => {
      const here = selectLocksAt.all(lock.repo, lock.dir, lock.workspace) as LockRow[];
      const held = here.find((h) => h.pr !== lock.pr && scopesConflict(h.scope, lock.scope));
      if (held) {
        insertWaiter.run(lock.repo, lock.dir, lock.workspace, lock.scope, lock.pr, JSON.stringify(waiter));
        return { ok: false, heldBy: toLock(held) };
      }
      insertLock.run({ ...lock, createdAt: now() });
      deleteWaiter.run(lock.repo, lock.dir, lock.workspace, lock.scope, lock.pr);
      return { ok: true };
    },
  );
  const selectLocksOf = db.prepare("SELECT * FROM locks WHERE repo = ? AND pr = ? ORDER BY dir, workspace, scope");
  const deleteLock = db.prepare("DELETE FROM locks WHERE repo = ? AND dir = ? AND workspace = ? AND scope = ? AND pr = ?");
  const selectWaiters = db.prepare("SELECT * FROM lock_waiters WHERE repo = ? AND dir = ? AND workspace = ?");
  const deleteWaiterRow = db.prepare("DELETE FROM lock_waiters WHERE repo = ? AND dir = ? AND workspace = ? AND scope = ? AND pr = ?");
  const deleteWaitingPr = db.prepare("DELETE FROM lock_waiters WHERE repo = ? AND pr = ?");
  const releaseTx = writeTransaction(db, (repo: string, pr: number, keys?: ProjectKey[]) => {
    const mine = (selectLocksOf.all(repo, pr) as LockRow[]).filter((l) => !keys || keys.some((k) => keyMatches(k, l)));
    const waiters = new Map<number, JobTarget>();
    for (const l of mine) {
      deleteLock.run(l.repo, l.dir, l.workspace, l.scope, pr);
      // Only those waiting for a scope this lock blocked: a PR on another named project was never blocked by it.
      for (const w of selectWaiters.all(l.repo, l.dir, l.workspace) as { scope: string; pr: number; target: string }[]) {
        if (!scopesConflict(w.scope, l.scope)) continue;
        waiters.set(w.pr, JSON.parse(w.target) as JobTarget);
        deleteWaiterRow.run(l.repo, l.dir, l.workspace, w.scope, w.pr);
      }
    }
    // A closed PR waits for nothing any more.
    if (!keys) deleteWaitingPr.run(repo, pr);
    return { released: mine.map(toLock), waiters: [...waiters.values()] };
  });

  const insertOp = db.prepare("INSERT OR IGNORE INTO pr_operations (repo, pr, op, job_id) VALUES (?, ?, ?, ?)");
  const selectOp = db.prepare("SELECT job_id FROM pr_operations WHERE repo = ? AND pr = ? AND op = ?");
  const beginOpTx = writeTransaction(db, (repo: string, pr: number, op: string, jobId: number) => {
    if (insertOp.run(repo, pr, op, jobId).changes === 1) return { ok: true as const };
    const row = selectOp.get(repo, pr, op) as { job_id: number } | undefined;
    if (row?.job_id === jobId) return { ok: true as const };
    return { ok: false as const, jobId: row?.job_id ?? 0 };
  });

  const insertApply = db.prepare(
    "INSERT INTO applies (job_id, repo, pr, project, plan_id, status, started_at) VALUES (@jobId, @repo, @pr, @project, @planId, 'started', @startedAt)",
  );
  const selectStarted = db.prepare("SELECT * FROM applies WHERE status = 'started'");
  const interruptTx = writeTransaction(db, () => {
    const rows = selectStarted.all() as ApplyRow[];
    db.prepare("UPDATE applies SET status = 'interrupted', finished_at = ? WHERE status = 'started'").run(now());
    db.prepare("UPDATE live_applies SET outcome = 'interrupted', finished_at = ? WHERE outcome = 'started'").run(now());
    return rows.map((r) => toApply({ ...r, status: "interrupted" }));
  });

  // One process per data dir (see data-dir-lock.ts), and only its job thread runs jobs, so a
  // mutex in that thread's memory is enough.
  const runLocks = new KeyedMutex();

  const drift = sqliteDriftMethods(db, (deliveryId, target, spec) => {
    const t = now();
    if (insertDelivery.run(deliveryId, "schedule", t).changes === 0) return 0;
    const jobId = Number(insertJob.run(deliveryId, JSON.stringify(target), JSON.stringify(spec), t, t).lastInsertRowid);
    linkJob.run(jobId, deliveryId);
    return jobId;
  });

  const store: Store = {
    ...drift,
    ...sqliteConsoleMethods(db),
    ...sqliteAuditOutboxMethods(db),
    ...sqlitePolicyMethods(db),
    ...sqliteResultMethods(db),
    ...previewMethods(port),
    runExclusive(key, fn) {
      return runLocks.run(key, fn);
    },
    async activeJobsOf(repo, pr) {
      return (selectActiveOf.all(repo, pr) as JobRow[]).map(toJob);
    },
    async enqueueInternal(target, spec) {
      const id = `sluice-internal-${randomUUID()}`;
      const r = recordTx(id, "internal", { target, spec });
      return r.jobId ?? 0;
    },
    async savePlan(plan, file) {
      return savePlanTx(plan, file);
    },
    async pendingPlans(repo, pr) {
      return (
        db
          .prepare("SELECT * FROM plans WHERE repo = ? AND pr = ? AND status = 'pending' ORDER BY dir, workspace, project")
          .all(repo, pr) as PlanRow[]
      ).map(toPlan);
    },
    async planHistory(repo, pr, key, headSha) {
      return (
        db
          .prepare(
            "SELECT * FROM plans WHERE repo = ? AND pr = ? AND dir = ? AND workspace = ? AND project = ? AND head_sha = ? ORDER BY id",
          )
          .all(repo, pr, key.dir, key.workspace, key.project, headSha) as PlanRow[]
      ).map(toPlan);
    },
    async supersedePlans(repo, pr, keys) {
      return supersedeTx(repo, pr, keys);
    },
    async markPlanApplied(planId) {
      markAppliedTx(planId);
    },
    async planFile(planId) {
      const row = selectFile.get(planId) as { sha256: string; size: number; bytes: Buffer | null; mac: string | null } | undefined;
      if (!row) return undefined;
      return {
        sha256: row.sha256,
        size: row.size,
        ...(row.bytes !== null ? { bytes: row.bytes } : {}),
        ...(row.mac !== null ? { mac: row.mac } : {}),
      };
    },
    async takeLock(lock, waiter) {
      return takeLockTx(lock, waiter);
    },
    async locksOf(repo, pr) {
      return (selectLocksOf.all(repo, pr) as LockRow[]).map(toLock);
    },
    async releaseLocks(repo, pr, keys) {
      return releaseTx(repo, pr, keys);
    },
    async beginPrOperation(repo, pr, op, jobId) {
      return beginOpTx(repo, pr, op, jobId);
    },
    async endPrOperation(repo, pr, op) {
      db.prepare("DELETE FROM pr_operations WHERE repo = ? AND pr = ? AND op = ?").run(repo, pr, op);
    },
    async clearPrOperationsOf(jobId) {
      db.prepare("DELETE FROM pr_operations WHERE job_id = ?").run(jobId);
    },
    async recordApplyStart(a) {
      return Number(insertApply.run({ ...a, startedAt: now() }).lastInsertRowid);
    },
    async recordApplyEnd(id, status) {
      db.prepare("UPDATE applies SET status = ?, finished_at = ? WHERE id = ?").run(status, now(), id);
    },
    async interruptStartedApplies() {
      return interruptTx();
    },
    async recordDelivery(deliveryId, event, job, alsoKeys) {
      return recordGrouped(deliveryId, event, job, alsoKeys);
    },
    async claimNextJob() {
      return claim();
    },
    async getJob(id) {
      const row = selectJob.get(id) as JobRow | undefined;
      return row ? toJob(row) : undefined;
    },
    async updateJob(id, patch: JobPatch) {
      const sets: string[] = ["updated_at = @updatedAt"];
      const params: Record<string, unknown> = { id, updatedAt: now() };
      if (patch.status !== undefined) {
        sets.push("status = @status");
        params.status = patch.status;
      }
      if (patch.pr !== undefined) {
        sets.push("target = json_set(target, '$.pr', @pr)");
        params.pr = patch.pr;
      }
      if (patch.commentIds !== undefined) {
        sets.push("comment_ids = @commentIds");
        params.commentIds = JSON.stringify(patch.commentIds);
      }
      if (patch.checkRunId !== undefined) {
        sets.push("check_run_id = @checkRunId");
        params.checkRunId = patch.checkRunId;
      }
      if (patch.error !== undefined) {
        sets.push("error = @error");
        params.error = patch.error;
      }
      db.prepare(`UPDATE jobs SET ${sets.join(", ")} WHERE id = @id`).run(params);
    },
    async runningJobs() {
      return (selectRunning.all() as JobRow[]).map(toJob);
    },
    async requeueJob(id) {
      requeue.run(now(), id);
    },
    async ping() {
      try {
        db.prepare("SELECT 1").get();
        return { ok: true as const };
      } catch (e) {
        return { ok: false as const, reason: `SQLite: ${errorMessage(e)}` };
      }
    },
    async close() {
      db.close();
      unlock();
    },
  };
  return opts.deliveriesFirst?.side === "jobs" ? yieldingToDeliveries(store, opts.deliveriesFirst.flag) : store;
}

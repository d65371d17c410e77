import { randomBytes, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import { advisoryKey } from "./advisory-key.js";
import { releaseProjectLocks, takeProjectLock } from "./postgres-project-locks.js";
import { ensurePostgresSchema } from "./postgres-schema.js";
import { postgresDriftMethods } from "./postgres-drift.js";
import { previewMethods } from "./preview-store.js";
import { postgresDb } from "./db/postgres-db.js";
import { anyDeadOwner, deadOwnersOf, ReplicaLiveness, type StoreLog } from "./postgres-replica-liveness.js";
import { type ApplyRow, type JobRow, type LockRow, type PlanRow, toApply, toJob, toLock, toPlan } from "./postgres-rows.js";
import { PostgresRunLocks } from "./postgres-run-locks.js";
import { inTransaction } from "./db/postgres-transaction.js";
import { postgresAuditOutboxMethods } from "./postgres-audit-outbox.js";
import { postgresConsoleMethods } from "./postgres-console.js";
import { postgresPolicyMethods } from "./postgres-policies.js";
import { postgresResultMethods } from "./postgres-results.js";
import type { JobSpec, JobTarget } from "../model/job.js";
import type { Store } from "./store.js";
import { JOBS_CHANNEL, listenForJobs } from "./postgres-job-notices.js";
import { errorMessage } from "../util/errors.js";

export interface PostgresStoreOptions {
  /** Readable start of this replica's owner id (default: host name); pid and random bits follow. */
  replicaName?: string;
  /** Connections for queries (default 8). */
  poolSize?: number;
  /** Connections that hold run locks (default 16): as many as projects this replica runs at once. */
  runLockSessions?: number;
  log?: StoreLog;
}

export type PostgresStore = Store & {
  /** This replica's id, recorded on the jobs it claims and the applies it starts. */
  readonly owner: string;
};

const consoleLog: StoreLog = { warn: (obj, msg) => console.warn(msg, obj) };

/**
 * The shared store, for several replicas on one PostgreSQL database.
 *
 * Concurrency: READ COMMITTED with row locks and unique keys, not SERIALIZABLE. Every invariant
 * here is about one row or one unique key (a delivery id, a project lock, a pending plan, a PR
 * operation), which INSERT ... ON CONFLICT, SELECT ... FOR UPDATE and SKIP LOCKED settle directly;
 * SERIALIZABLE would add whole-transaction retries and false-positive aborts under load for no
 * invariant we need. Saves of one plan key take turns on a transaction-scoped advisory lock (there
 * is no row to lock before the first save); a transaction that still loses a race (deadlock) is
 * retried.
 *
 * Recovery: jobs and applies carry the `owner` that claimed or started them; `runningJobs` and
 * `interruptStartedApplies` only touch rows whose owner is dead (see ReplicaLiveness), so a
 * replica restarting never interrupts work another live replica is doing. Recovered jobs are
 * adopted (owner = this replica) in the same transaction, so each goes to one replica only, and
 * both calls are safe to repeat at any time, not only at startup.
 */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const log = opts.log ?? consoleLog;
  const owner = `${opts.replicaName ?? hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const config: pg.PoolConfig = { connectionString: url, keepAlive: true };
  const pool = new pg.Pool({ ...config, max: opts.poolSize ?? 8 });
  const sessions = new pg.Pool({ ...config, max: opts.runLockSessions ?? 16 });
  // Idle clients can fail (database restart): pg-pool drops them, but emits on the pool, and an
  // unhandled 'error' event would end the process.
  pool.on("error", (e) => log.warn({ err: e.message }, "idle database connection failed"));
  sessions.on("error", (e) => log.warn({ err: e.message }, "idle run-lock connection failed"));

  const liveness = await ensurePostgresSchema(config)
    .then(() => ReplicaLiveness.start(config, owner, log))
    .catch(async (e: unknown) => {
      await Promise.allSettled([pool.end(), sessions.end()]);
      throw e;
    });
  const runLocks = new PostgresRunLocks(sessions);

  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await pool.query<R>(text, values)).rows;

  async function recordDelivery(
    deliveryId: string,
    event: string,
    job: { target: JobTarget; spec: JobSpec } | undefined,
    alsoKeys: string[] = [],
  ): Promise<{ duplicate: boolean; jobId?: number }> {
    // ON CONFLICT waits for a concurrent insert of the same id to commit or roll back, so across
    // replicas exactly one transaction inserts the delivery and its job.
    const duplicate = new Error("duplicate");
    return inTransaction(pool, async (c) => {
      const inserted = await c.query("INSERT INTO deliveries (id, event) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", [deliveryId, event]);
      if (inserted.rowCount === 0) return { duplicate: true };
      for (const key of alsoKeys) {
        const also = await c.query("INSERT INTO deliveries (id, event) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", [key, event]);
        // Throwing rolls the delivery row back too: a replay leaves no trace.
        if (also.rowCount === 0) throw duplicate;
      }
      if (!job) return { duplicate: false };
      const r = await c.query<{ id: number }>(
        "INSERT INTO jobs (delivery_id, target, spec, status) VALUES ($1, $2, $3, 'queued') RETURNING id",
        [deliveryId, JSON.stringify(job.target), JSON.stringify(job.spec)],
      );
      const jobId = r.rows[0]?.id as number;
      await c.query("UPDATE deliveries SET job_id = $1 WHERE id = $2", [jobId, deliveryId]);
      // Delivered when this transaction commits, to every replica listening.
      await c.query("SELECT pg_notify($1, $2)", [JOBS_CHANNEL, String(jobId)]);
      return { duplicate: false, jobId };
    }).catch((e: unknown) => {
      if (e === duplicate) return { duplicate: true };
      throw e;
    });
  }

  const store: PostgresStore = {
    ...postgresDriftMethods(pool, owner),
    ...postgresConsoleMethods(pool),
    ...postgresAuditOutboxMethods(pool),
    ...postgresPolicyMethods(pool),
    ...postgresResultMethods(pool, owner),
    ...previewMethods(postgresDb(pool)),
    owner,
    recordDelivery,
    async enqueueInternal(target, spec) {
      const r = await recordDelivery(`sluice-internal-${randomUUID()}`, "internal", { target, spec });
      return r.jobId ?? 0;
    },
    async claimNextJob() {
      // SKIP LOCKED: a job another replica is claiming right now is passed over, not waited for.
      const rows = await query<JobRow>(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, owner = $1, updated_at = now()
         WHERE status = 'queued' AND id = (
           SELECT q.id FROM jobs q WHERE q.status = 'queued'
           ORDER BY
             (SELECT count(*) FROM jobs r WHERE r.status = 'running' AND r.target->'repo' = q.target->'repo' AND r.target->'pr' = q.target->'pr'),
             (SELECT count(*) FROM jobs r WHERE r.status = 'running' AND r.target->'repo' = q.target->'repo'),
             q.id
           FOR UPDATE SKIP LOCKED LIMIT 1
         )
         RETURNING *`,
        [owner],
      );
      return rows[0] ? toJob(rows[0]) : undefined;
    },
    async activeJobsOf(repo, pr) {
      const [owner, name] = repo.split("/");
      const rows = await query<JobRow>(
        `SELECT * FROM jobs WHERE status IN ('queued', 'running')
           AND target->'repo'->>'owner' = $1 AND target->'repo'->>'name' = $2 AND (target->>'pr')::int = $3
         ORDER BY id`,
        [owner, name, pr],
      );
      return rows.map(toJob);
    },
    async getJob(id) {
      const rows = await query<JobRow>("SELECT * FROM jobs WHERE id = $1", [id]);
      return rows[0] ? toJob(rows[0]) : undefined;
    },
    async updateJob(id, patch) {
      const sets = ["updated_at = now()"];
      const values: unknown[] = [id];
      const set = (column: string, value: unknown) => {
        values.push(value);
        sets.push(`${column} = $${values.length}`);
      };
      if (patch.status !== undefined) set("status", patch.status);
      if (patch.pr !== undefined) {
        values.push(patch.pr);
        sets.push(`target = jsonb_set(target, '{pr}', to_jsonb($${values.length}::integer))`);
      }
      if (patch.commentIds !== undefined) set("comment_ids", JSON.stringify(patch.commentIds));
      if (patch.checkRunId !== undefined) set("check_run_id", patch.checkRunId);
      if (patch.error !== undefined) set("error", patch.error);
      await query(`UPDATE jobs SET ${sets.join(", ")} WHERE id = $1`, values);
    },
    async runningJobs() {
      // Adopting the rows (owner = us) in the same transaction that found their owner dead means
      // another replica recovering at the same time cannot return them too.
      const rows = await inTransaction(pool, async (c) => {
        const dead = await deadOwnersOf(c, "jobs", "running", owner);
        const adopted = await c.query<JobRow>(
          `UPDATE jobs SET owner = $1, updated_at = now()
           WHERE status = 'running' AND (owner IS NULL OR owner = ANY($2::text[]))
           RETURNING *`,
          [owner, dead],
        );
        return adopted.rows;
      });
      return rows.map(toJob).sort((a, b) => a.id - b.id);
    },
    async requeueJob(id) {
      await query("UPDATE jobs SET status = 'queued', owner = NULL, updated_at = now() WHERE id = $1", [id]);
    },

    async savePlan(plan, file) {
      // One pending plan per PR + dir + workspace + project (a partial unique index). Saves of one key take
      // turns on a transaction-scoped lock: without it, concurrent saves both supersede nothing
      // and all but one fail on the index.
      const row = await inTransaction(pool, async (c) => {
        await c.query("SELECT pg_advisory_xact_lock($1::bigint)", [
          advisoryKey("plan", JSON.stringify([plan.repo, plan.pr, plan.dir, plan.workspace, plan.project])),
        ]);
        await c.query(
          `WITH s AS (
             UPDATE plans SET status = 'superseded'
             WHERE repo = $1 AND pr = $2 AND dir = $3 AND workspace = $4 AND project = $5 AND status = 'pending' RETURNING id
           )
           DELETE FROM plan_files WHERE plan_id IN (SELECT id FROM s)`,
          [plan.repo, plan.pr, plan.dir, plan.workspace, plan.project],
        );
        const r = await c.query<PlanRow>(
          `INSERT INTO plans (repo, pr, project, dir, workspace, runner, head_sha, base_sha, plan_path, plan_hash, summary, status, job_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12) RETURNING *`,
          [
            plan.repo,
            plan.pr,
            plan.project,
            plan.dir,
            plan.workspace,
            plan.runner,
            plan.headSha,
            plan.baseSha,
            plan.planPath,
            plan.planHash,
            JSON.stringify(plan.summary),
            plan.jobId,
          ],
        );
        const saved = r.rows[0] as PlanRow;
        await c.query("INSERT INTO plan_files (plan_id, sha256, size, bytes, mac) VALUES ($1, $2, $3, $4, $5)", [
          saved.id,
          file.sha256,
          file.size,
          file.bytes ?? null,
          file.mac ?? null,
        ]);
        return saved;
      });
      return toPlan(row);
    },
    async planFile(planId) {
      const rows = await query<{ sha256: string; size: string; bytes: Buffer | null; mac: string | null }>(
        "SELECT sha256, size, bytes, mac FROM plan_files WHERE plan_id = $1",
        [planId],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        sha256: row.sha256,
        size: Number(row.size),
        ...(row.bytes !== null ? { bytes: row.bytes } : {}),
        ...(row.mac !== null ? { mac: row.mac } : {}),
      };
    },
    async pendingPlans(repo, pr) {
      const rows = await query<PlanRow>(
        "SELECT * FROM plans WHERE repo = $1 AND pr = $2 AND status = 'pending' ORDER BY dir, workspace, project",
        [repo, pr],
      );
      return rows.map(toPlan);
    },
    async planHistory(repo, pr, key, headSha) {
      const rows = await query<PlanRow>(
        "SELECT * FROM plans WHERE repo = $1 AND pr = $2 AND dir = $3 AND workspace = $4 AND project = $5 AND head_sha = $6 ORDER BY id",
        [repo, pr, key.dir, key.workspace, key.project, headSha],
      );
      return rows.map(toPlan);
    },
    async supersedePlans(repo, pr, keys) {
      if (keys?.length === 0) return 0;
      // The superseded plans' files are deleted in the same statement.
      const which = keys
        ? `AND EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[], $5::text[]) AS k(dir, workspace, project)
                       WHERE k.dir = plans.dir AND k.workspace = plans.workspace AND (k.project IS NULL OR k.project = plans.project))`
        : "";
      const values: unknown[] = [repo, pr];
      if (keys)
        values.push(
          keys.map((k) => k.dir),
          keys.map((k) => k.workspace),
          keys.map((k) => k.project ?? null),
        );
      const rows = await query<{ n: number }>(
        `WITH s AS (UPDATE plans SET status = 'superseded' WHERE repo = $1 AND pr = $2 AND status = 'pending' ${which} RETURNING id),
              f AS (DELETE FROM plan_files WHERE plan_id IN (SELECT id FROM s))
         SELECT count(*)::int AS n FROM s`,
        values,
      );
      return rows[0]?.n ?? 0;
    },
    async markPlanApplied(planId) {
      await query(
        `WITH a AS (UPDATE plans SET status = 'applied' WHERE id = $1)
         DELETE FROM plan_files WHERE plan_id = $1`,
        [planId],
      );
    },

    takeLock(lock, waiter) {
      return takeProjectLock(pool, lock, waiter);
    },
    async locksOf(repo, pr) {
      const rows = await query<LockRow>("SELECT * FROM locks WHERE repo = $1 AND pr = $2 ORDER BY dir, workspace, scope", [repo, pr]);
      return rows.map(toLock);
    },
    releaseLocks(repo, pr, keys) {
      return releaseProjectLocks(pool, repo, pr, keys);
    },

    async beginPrOperation(repo, pr, op, jobId) {
      for (;;) {
        const inserted = await query<{ job_id: number }>(
          "INSERT INTO pr_operations (repo, pr, op, job_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING job_id",
          [repo, pr, op, jobId],
        );
        if (inserted.length) return { ok: true };
        const held = await query<{ job_id: number }>("SELECT job_id FROM pr_operations WHERE repo = $1 AND pr = $2 AND op = $3", [
          repo,
          pr,
          op,
        ]);
        // Ended between the two statements: try again.
        if (!held[0]) continue;
        if (held[0].job_id === jobId) return { ok: true };
        return { ok: false, jobId: held[0].job_id };
      }
    },
    async endPrOperation(repo, pr, op) {
      await query("DELETE FROM pr_operations WHERE repo = $1 AND pr = $2 AND op = $3", [repo, pr, op]);
    },
    async clearPrOperationsOf(jobId) {
      await query("DELETE FROM pr_operations WHERE job_id = $1", [jobId]);
    },

    runExclusive(key, fn) {
      return runLocks.run(key, fn);
    },

    async recordApplyStart(a) {
      const rows = await query<{ id: number }>(
        "INSERT INTO applies (job_id, repo, pr, project, plan_id, status, owner) VALUES ($1, $2, $3, $4, $5, 'started', $6) RETURNING id",
        [a.jobId, a.repo, a.pr, a.project, a.planId, owner],
      );
      return rows[0]?.id as number;
    },
    async recordApplyEnd(id, status) {
      await query("UPDATE applies SET status = $2, finished_at = now() WHERE id = $1", [id, status]);
    },
    async interruptStartedApplies() {
      const rows = await inTransaction(pool, async (c) => {
        const dead = await deadOwnersOf(c, "applies", "started", owner);
        const r = await c.query<ApplyRow>(
          `UPDATE applies SET status = 'interrupted', finished_at = now()
           WHERE status = 'started' AND (owner IS NULL OR owner = ANY($1::text[]))
           RETURNING *`,
          [dead],
        );
        // The live record's rows of those applies (started by the same replicas) say so too.
        await c.query(
          `UPDATE live_applies SET outcome = 'interrupted', finished_at = now()
           WHERE outcome = 'started' AND (owner IS NULL OR owner = ANY($1::text[]))`,
          [dead],
        );
        return r.rows;
      });
      return rows.map(toApply).sort((a, b) => a.id - b.id);
    },

    anyOrphans() {
      return anyDeadOwner(pool, owner);
    },
    watchNewJobs(notify) {
      return listenForJobs(config, notify, log);
    },
    async ping() {
      try {
        await pool.query("SELECT 1");
        return { ok: true as const };
      } catch (e) {
        return { ok: false as const, reason: `PostgreSQL: ${errorMessage(e)}` };
      }
    },
    async close() {
      // Alive until the very end: work still in flight is never mistaken for a dead replica's.
      await Promise.all([pool.end(), sessions.end()]);
      await liveness.stop();
    },
  };
  return store;
}

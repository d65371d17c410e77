import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { Job, JobPatch, JobSpec, JobStatus, JobTarget, Store } from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  job_id INTEGER,
  received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id TEXT NOT NULL,
  target TEXT NOT NULL,
  spec TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  comment_ids TEXT NOT NULL DEFAULT '[]',
  check_run_id INTEGER,
  error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, id);
`;

interface JobRow {
  id: number;
  delivery_id: string;
  target: string;
  spec: string;
  status: JobStatus;
  attempts: number;
  comment_ids: string;
  check_run_id: number | null;
  created_at: string;
  updated_at: string;
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    target: JSON.parse(row.target) as JobTarget,
    spec: JSON.parse(row.spec) as JobSpec,
    status: row.status,
    attempts: row.attempts,
    commentIds: JSON.parse(row.comment_ids) as number[],
    checkRunId: row.check_run_id ?? undefined,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The embedded store: one SQLite file in the data dir, WAL mode, for a single replica. */
export function openSqliteStore(file: string): Store {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);

  const now = () => new Date().toISOString();
  const insertDelivery = db.prepare(
    "INSERT OR IGNORE INTO deliveries (id, event, received_at) VALUES (?, ?, ?)",
  );
  const insertJob = db.prepare(
    "INSERT INTO jobs (delivery_id, target, spec, status, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?)",
  );
  const linkJob = db.prepare("UPDATE deliveries SET job_id = ? WHERE id = ?");
  const recordTx = db.transaction(
    (deliveryId: string, event: string, job: { target: JobTarget; spec: JobSpec } | undefined) => {
      const t = now();
      if (insertDelivery.run(deliveryId, event, t).changes === 0) return { duplicate: true };
      if (!job) return { duplicate: false };
      const jobId = Number(
        insertJob.run(deliveryId, JSON.stringify(job.target), JSON.stringify(job.spec), t, t)
          .lastInsertRowid,
      );
      linkJob.run(jobId, deliveryId);
      return { duplicate: false, jobId };
    },
  );

  const selectQueued = db.prepare(
    "SELECT * FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1",
  );
  const markRunning = db.prepare(
    "UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'queued'",
  );
  const claimTx = db.transaction((): Job | undefined => {
    const row = selectQueued.get() as JobRow | undefined;
    if (!row) return undefined;
    markRunning.run(now(), row.id);
    return toJob({ ...row, status: "running", attempts: row.attempts + 1 });
  });
  const selectJob = db.prepare("SELECT * FROM jobs WHERE id = ?");
  const selectRunning = db.prepare("SELECT * FROM jobs WHERE status = 'running' ORDER BY id");
  const requeue = db.prepare("UPDATE jobs SET status = 'queued', updated_at = ? WHERE id = ?");

  return {
    async recordDelivery(deliveryId, event, job) {
      return recordTx(deliveryId, event, job);
    },
    async claimNextJob() {
      return claimTx();
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
    async close() {
      db.close();
    },
  };
}

import type Database from "better-sqlite3";
import type { JobStatus, JobTarget } from "../model/job.js";
import type { ConsoleStore, JobLogChunk, NewLogChunk, PauseState, PlanRun } from "./console-store.js";
import { fitLogChunk, truncationNotice } from "./fit-log-chunk.js";
import { mergeActivity } from "./merge-activity.js";
import type { PlanRecord } from "./store.js";
import type * as rows from "./record-rows.js";
import { type Lite, sqliteRecords } from "./sqlite-rows.js";
import { writeTransaction } from "./sqlite-write-tx.js";

type StreamRow = rows.StreamRow<Lite>;
type ApplyViewRow = rows.ApplyViewRow<Lite>;
const { toStream, toApplyView, toLockViews, toAudit } = sqliteRecords;

const APPLY_VIEW = `SELECT a.*, json_extract(j.spec, '$.actor') AS actor, p.head_sha AS head_sha
  FROM applies a LEFT JOIN jobs j ON j.id = a.job_id LEFT JOIN plans p ON p.id = a.plan_id`;

const PAUSE = "applies_paused";

/** The console's part of the embedded store (see ConsoleStore). */
export function sqliteConsoleMethods(db: Database.Database): ConsoleStore {
  const now = () => new Date().toISOString();

  const jobUsage = db.prepare(
    "SELECT COALESCE(SUM(bytes), 0) AS used, COALESCE(MAX(truncated), 0) AS full FROM log_streams WHERE job_id = ?",
  );
  const insertStream = db.prepare(
    "INSERT OR IGNORE INTO log_streams (job_id, project, repo, pr, kind, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const nextSeq = db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM job_logs WHERE job_id = ?");
  const insertChunk = db.prepare("INSERT INTO job_logs (job_id, seq, project, text) VALUES (?, ?, ?, ?)");
  const grow = db.prepare(
    "UPDATE log_streams SET bytes = bytes + ?, truncated = MAX(truncated, ?), updated_at = ? WHERE job_id = ? AND project = ?",
  );
  const appendTx = writeTransaction(db, (c: NewLogChunk, maxBytes: number): boolean => {
    const usage = jobUsage.get(c.jobId) as { used: number; full: number };
    if (usage.full) return false;
    const t = now();
    insertStream.run(c.jobId, c.project, c.repo, c.pr, c.kind, t, t);
    const fit = fitLogChunk(usage.used, c.text, maxBytes);
    const add = (text: string) => insertChunk.run(c.jobId, (nextSeq.get(c.jobId) as { seq: number }).seq, c.project, text);
    if (fit.text) add(fit.text);
    if (fit.full) add(truncationNotice(maxBytes));
    grow.run(Buffer.byteLength(fit.text), fit.full ? 1 : 0, t, c.jobId, c.project);
    return !fit.full;
  });

  const pruneTx = writeTransaction(db, (before: string) => {
    const jobs = db
      .prepare(
        `SELECT s.job_id FROM log_streams s GROUP BY s.job_id
         HAVING MAX(s.updated_at) < ? AND EXISTS (SELECT 1 FROM job_logs l WHERE l.job_id = s.job_id)`,
      )
      .all(before) as { job_id: number }[];
    const del = db.prepare("DELETE FROM job_logs WHERE job_id = ?");
    for (const j of jobs) del.run(j.job_id);
    return jobs.length;
  });

  return {
    async appendJobLog(chunk, maxBytes) {
      if (!chunk.text) return true;
      return appendTx(chunk, maxBytes);
    },
    async readJobLog(jobId, afterSeq, limit = 1000) {
      return db
        .prepare("SELECT seq, project, text FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?")
        .all(jobId, afterSeq, limit) as JobLogChunk[];
    },
    async jobLogStreams(jobId) {
      return (
        db
          .prepare(
            // In the order the projects first wrote: timestamps of two projects can be equal.
            "SELECT s.* FROM log_streams s WHERE s.job_id = ? ORDER BY (SELECT MIN(l.seq) FROM job_logs l WHERE l.job_id = s.job_id AND l.project = s.project), s.project",
          )
          .all(jobId) as StreamRow[]
      ).map(toStream);
    },
    async pruneJobLogs(before) {
      return pruneTx(before);
    },

    async projectActivity() {
      const plans = (
        db
          .prepare(
            `SELECT s.repo, s.project, s.job_id, s.pr, s.updated_at, j.status AS job_status, p.status AS plan_status, p.summary, p.head_sha
             FROM log_streams s
             JOIN (SELECT repo, project, MAX(job_id) AS job_id FROM log_streams WHERE kind = 'plan' GROUP BY repo, project) m
               ON m.repo = s.repo AND m.project = s.project AND m.job_id = s.job_id
             JOIN jobs j ON j.id = s.job_id
             LEFT JOIN plans p ON p.job_id = s.job_id AND p.repo = s.repo AND p.project = s.project`,
          )
          .all() as {
          repo: string;
          project: string;
          job_id: number;
          pr: number;
          updated_at: string;
          job_status: JobStatus;
          plan_status: PlanRecord["status"] | null;
          summary: string | null;
          head_sha: string | null;
        }[]
      ).map((r): PlanRun & { repo: string; project: string } => ({
        repo: r.repo,
        project: r.project,
        jobId: r.job_id,
        pr: r.pr,
        jobStatus: r.job_status,
        planStatus: r.plan_status ?? undefined,
        summary: r.summary ? (JSON.parse(r.summary) as PlanRecord["summary"]) : undefined,
        headSha: r.head_sha ?? undefined,
        at: r.updated_at,
      }));
      const latest = (where: string) =>
        (
          db
            .prepare(`${APPLY_VIEW} JOIN (SELECT MAX(id) AS id FROM applies ${where} GROUP BY repo, project) m ON m.id = a.id`)
            .all() as ApplyViewRow[]
        ).map(toApplyView);
      return mergeActivity(plans, latest(""), latest("WHERE status = 'succeeded'"));
    },
    async allLocks() {
      const locks = db.prepare("SELECT * FROM locks ORDER BY repo, project, workspace").all() as rows.LockRow<Lite>[];
      const waiters = db.prepare("SELECT repo, dir, workspace, scope, pr FROM lock_waiters ORDER BY pr").all() as rows.WaiterRow[];
      return toLockViews(locks, waiters);
    },
    async lastJobTarget(repo, pr) {
      const row = db
        .prepare(
          `SELECT target FROM jobs
           WHERE json_extract(target, '$.pr') = ? AND json_extract(target, '$.repo.owner') || '/' || json_extract(target, '$.repo.name') = ?
           ORDER BY id DESC LIMIT 1`,
        )
        .get(pr, repo) as { target: string } | undefined;
      return row ? (JSON.parse(row.target) as JobTarget) : undefined;
    },
    async applyHistory({ repo, limit = 500 }) {
      return (
        db
          .prepare(`${APPLY_VIEW} WHERE (@repo IS NULL OR a.repo = @repo) ORDER BY a.id DESC LIMIT @limit`)
          .all({ repo: repo ?? null, limit }) as ApplyViewRow[]
      ).map(toApplyView);
    },

    async recordAudit(e) {
      return Number(
        db
          .prepare("INSERT INTO audit_events (at, actor, action, repo, project, pr, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")
          .run(now(), e.actor, e.action, e.repo ?? null, e.project ?? null, e.pr ?? null, e.detail).lastInsertRowid,
      );
    },
    async auditEvents({ repo, action, actor, limit = 500 }) {
      const rows = db
        .prepare(
          `SELECT * FROM audit_events
           WHERE (@repo IS NULL OR repo = @repo) AND (@action IS NULL OR action = @action) AND (@actor IS NULL OR lower(actor) = lower(@actor))
           ORDER BY id DESC LIMIT @limit`,
        )
        .all({ repo: repo ?? null, action: action ?? null, actor: actor ?? null, limit }) as rows.AuditRow<Lite>[];
      return rows.map(toAudit);
    },

    async appliesPaused() {
      const row = db.prepare("SELECT value FROM flags WHERE name = ?").get(PAUSE) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as PauseState) : undefined;
    },
    async setAppliesPaused(pause) {
      if (!pause) {
        db.prepare("DELETE FROM flags WHERE name = ?").run(PAUSE);
        return;
      }
      const value: PauseState = { by: pause.by, reason: pause.reason, at: now() };
      db.prepare("INSERT INTO flags (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(
        PAUSE,
        JSON.stringify(value),
      );
    },

    async openConsoleSession({ key, login, expiresAt }) {
      db.prepare("DELETE FROM console_sessions WHERE expires_at < ?").run(now());
      db.prepare("INSERT INTO console_sessions (key, login, expires_at) VALUES (?, ?, ?)").run(key, login, expiresAt);
    },
    async consoleSessionLogin(key) {
      const row = db.prepare("SELECT login FROM console_sessions WHERE key = ? AND expires_at > ?").get(key, now()) as
        | { login: string }
        | undefined;
      return row?.login;
    },
    async endConsoleSession(key) {
      db.prepare("DELETE FROM console_sessions WHERE key = ?").run(key);
    },

    async stats() {
      const jobs = db.prepare("SELECT status, COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running') GROUP BY status").all() as {
        status: string;
        n: number;
      }[];
      const locks = (db.prepare("SELECT COUNT(*) AS n FROM locks").get() as { n: number }).n;
      const count = (s: string) => jobs.find((j) => j.status === s)?.n ?? 0;
      return { queuedJobs: count("queued"), runningJobs: count("running"), locks };
    },
  };
}

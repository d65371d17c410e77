import type pg from "pg";
import type { JobStatus, JobTarget } from "../model/job.js";
import { advisoryKey } from "./advisory-key.js";
import type { ConsoleStore, JobLogChunk, PauseState } from "./console-store.js";
import { fitLogChunk, truncationNotice } from "./fit-log-chunk.js";
import { mergeActivity } from "./merge-activity.js";
import { inTransaction } from "./db/postgres-transaction.js";
import type { PlanRecord } from "./store.js";
import {
  type ApplyViewRow,
  type AuditRow,
  type LockRow,
  type StreamRow,
  toApplyView,
  toAudit,
  toLockViews,
  toStream,
} from "./postgres-rows.js";
import type { WaiterRow } from "./record-rows.js";

const APPLY_VIEW = `SELECT a.*, j.spec->>'actor' AS actor, p.head_sha AS head_sha
  FROM applies a LEFT JOIN jobs j ON j.id = a.job_id LEFT JOIN plans p ON p.id = a.plan_id`;

const PAUSE = "applies_paused";

/** The console's part of the shared store (see ConsoleStore). */
export function postgresConsoleMethods(pool: pg.Pool): ConsoleStore {
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await pool.query<R>(text, values)).rows;

  return {
    async appendJobLog(c, maxBytes) {
      if (!c.text) return true;
      return inTransaction(pool, async (t) => {
        // The projects of one job append in parallel, possibly from several replicas' view of it:
        // they take turns per job, so sequence numbers are given in commit order and a reader
        // that has seen seq N never misses a smaller one committed later.
        await t.query("SELECT pg_advisory_xact_lock($1::bigint)", [advisoryKey("joblog", String(c.jobId))]);
        const usage = await t.query<{ used: string; full: boolean }>(
          "SELECT COALESCE(SUM(bytes), 0) AS used, COALESCE(bool_or(truncated), false) AS full FROM log_streams WHERE job_id = $1",
          [c.jobId],
        );
        const { used, full } = usage.rows[0] as { used: string; full: boolean };
        if (full) return false;
        await t.query("INSERT INTO log_streams (job_id, project, repo, pr, kind) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING", [
          c.jobId,
          c.project,
          c.repo,
          c.pr,
          c.kind,
        ]);
        const fit = fitLogChunk(Number(used), c.text, maxBytes);
        const texts = [...(fit.text ? [fit.text] : []), ...(fit.full ? [truncationNotice(maxBytes)] : [])];
        for (const text of texts) {
          await t.query(
            "INSERT INTO job_logs (job_id, seq, project, text) SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3 FROM job_logs WHERE job_id = $1",
            [c.jobId, c.project, text],
          );
        }
        await t.query(
          "UPDATE log_streams SET bytes = bytes + $3, truncated = truncated OR $4, updated_at = now() WHERE job_id = $1 AND project = $2",
          [c.jobId, c.project, Buffer.byteLength(fit.text), fit.full],
        );
        return !fit.full;
      });
    },
    async readJobLog(jobId, afterSeq, limit = 1000) {
      return query<JobLogChunk>("SELECT seq, project, text FROM job_logs WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3", [
        jobId,
        afterSeq,
        limit,
      ]);
    },
    async jobLogStreams(jobId) {
      const rows = await query<StreamRow>(
        "SELECT s.* FROM log_streams s WHERE s.job_id = $1 ORDER BY (SELECT MIN(l.seq) FROM job_logs l WHERE l.job_id = s.job_id AND l.project = s.project), s.project",
        [jobId],
      );
      return rows.map(toStream);
    },
    async pruneJobLogs(before) {
      const jobs = await query<{ job_id: number }>(
        `SELECT s.job_id FROM log_streams s GROUP BY s.job_id
         HAVING MAX(s.updated_at) < $1 AND EXISTS (SELECT 1 FROM job_logs l WHERE l.job_id = s.job_id)`,
        [before],
      );
      if (jobs.length) await query("DELETE FROM job_logs WHERE job_id = ANY($1::int[])", [jobs.map((j) => j.job_id)]);
      return jobs.length;
    },

    async projectActivity() {
      const plans = await query<{
        repo: string;
        project: string;
        job_id: number;
        pr: number;
        updated_at: Date;
        job_status: JobStatus;
        plan_status: PlanRecord["status"] | null;
        summary: PlanRecord["summary"] | null;
        head_sha: string | null;
      }>(
        `SELECT DISTINCT ON (s.repo, s.project) s.repo, s.project, s.job_id, s.pr, s.updated_at, j.status AS job_status,
                p.status AS plan_status, p.summary, p.head_sha
         FROM log_streams s
         JOIN jobs j ON j.id = s.job_id
         LEFT JOIN plans p ON p.job_id = s.job_id AND p.repo = s.repo AND p.project = s.project
         WHERE s.kind = 'plan'
         ORDER BY s.repo, s.project, s.job_id DESC`,
      );
      const latest = async (where: string) =>
        (
          await query<ApplyViewRow>(
            `${APPLY_VIEW} JOIN (SELECT MAX(id) AS id FROM applies ${where} GROUP BY repo, project) m ON m.id = a.id`,
          )
        ).map(toApplyView);
      return mergeActivity(
        plans.map((r) => ({
          repo: r.repo,
          project: r.project,
          jobId: r.job_id,
          pr: r.pr,
          jobStatus: r.job_status,
          planStatus: r.plan_status ?? undefined,
          summary: r.summary ?? undefined,
          headSha: r.head_sha ?? undefined,
          at: r.updated_at.toISOString(),
        })),
        await latest(""),
        await latest("WHERE status = 'succeeded'"),
      );
    },
    async allLocks() {
      const locks = await query<LockRow>("SELECT * FROM locks ORDER BY repo, project, workspace");
      const waiters = await query<WaiterRow>("SELECT repo, dir, workspace, scope, pr FROM lock_waiters ORDER BY pr");
      return toLockViews(locks, waiters);
    },
    async lastJobTarget(repo, pr) {
      const rows = await query<{ target: JobTarget }>(
        `SELECT target FROM jobs WHERE (target->>'pr')::int = $1 AND (target->'repo'->>'owner') || '/' || (target->'repo'->>'name') = $2
         ORDER BY id DESC LIMIT 1`,
        [pr, repo],
      );
      return rows[0]?.target;
    },
    async applyHistory({ repo, limit = 500 }) {
      const rows = await query<ApplyViewRow>(`${APPLY_VIEW} WHERE ($1::text IS NULL OR a.repo = $1) ORDER BY a.id DESC LIMIT $2`, [
        repo ?? null,
        limit,
      ]);
      return rows.map(toApplyView);
    },

    async recordAudit(e) {
      // Inserts take turns so that ids commit in order: the audit stream reads by id, and an id
      // that committed after a larger one would be passed over (see audit-outbox-store.ts).
      return inTransaction(pool, async (c) => {
        await c.query("SELECT pg_advisory_xact_lock($1)", [advisoryKey("audit", "append")]);
        const r = await c.query<{ id: number }>(
          "INSERT INTO audit_events (actor, action, repo, project, pr, detail) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
          [e.actor, e.action, e.repo ?? null, e.project ?? null, e.pr ?? null, e.detail],
        );
        return r.rows[0]?.id as number;
      });
    },
    async auditEvents({ repo, action, actor, limit = 500 }) {
      const rows = await query<AuditRow>(
        `SELECT * FROM audit_events
         WHERE ($1::text IS NULL OR repo = $1) AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR lower(actor) = lower($3))
         ORDER BY id DESC LIMIT $4`,
        [repo ?? null, action ?? null, actor ?? null, limit],
      );
      return rows.map(toAudit);
    },

    async appliesPaused() {
      const rows = await query<{ value: PauseState }>("SELECT value FROM flags WHERE name = $1", [PAUSE]);
      return rows[0]?.value;
    },
    async setAppliesPaused(pause) {
      if (!pause) {
        await query("DELETE FROM flags WHERE name = $1", [PAUSE]);
        return;
      }
      const value: PauseState = { by: pause.by, reason: pause.reason, at: new Date().toISOString() };
      await query("INSERT INTO flags (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value", [
        PAUSE,
        JSON.stringify(value),
      ]);
    },

    async openConsoleSession({ key, login, expiresAt }) {
      await query("DELETE FROM console_sessions WHERE expires_at < now()");
      await query("INSERT INTO console_sessions (key, login, expires_at) VALUES ($1, $2, $3)", [key, login, expiresAt]);
    },
    async consoleSessionLogin(key) {
      const rows = await query<{ login: string }>("SELECT login FROM console_sessions WHERE key = $1 AND expires_at > now()", [key]);
      return rows[0]?.login;
    },
    async endConsoleSession(key) {
      await query("DELETE FROM console_sessions WHERE key = $1", [key]);
    },

    async stats() {
      const rows = await query<{ queued: string; running: string; locks: string }>(
        `SELECT (SELECT COUNT(*) FROM jobs WHERE status = 'queued') AS queued,
                (SELECT COUNT(*) FROM jobs WHERE status = 'running') AS running,
                (SELECT COUNT(*) FROM locks) AS locks`,
      );
      const r = rows[0] as { queued: string; running: string; locks: string };
      return { queuedJobs: Number(r.queued), runningJobs: Number(r.running), locks: Number(r.locks) };
    },
  };
}

import type { JobStatus, JobTarget } from "../model/job.js";
import type { ConsoleStore, PauseState, PlanRun } from "./console-store.js";
import { json } from "./db/db.js";
import type { AuditTrail } from "./audit-trail.js";
import type { ConsoleSessions } from "./console-sessions.js";
import type { JobLogs } from "./job-logs.js";
import { mergeActivity } from "./merge-activity.js";
import { type ApplyViewRow, type LockRow, records, type WaiterRow } from "./record-rows.js";
import { type StoreDriver, now } from "./store-driver.js";
import type { PlanRecord } from "./store.js";

const APPLY_VIEW = `SELECT a.*, j.spec->>'actor' AS actor, p.head_sha AS head_sha
  FROM applies a LEFT JOIN jobs j ON j.id = a.job_id LEFT JOIN plans p ON p.id = a.plan_id`;

const PAUSE = "applies_paused";

interface PlanRunRow {
  repo: string;
  project: string;
  job_id: number;
  pr: number;
  updated_at: string;
  job_status: JobStatus;
  plan_status: PlanRecord["status"] | null;
  summary: string | null;
  head_sha: string | null;
}

/** What the console reads and writes besides job logs, the audit trail and sessions: activity, locks, the pause flag. */
export function consoleReads({ db }: StoreDriver): Omit<ConsoleStore, keyof JobLogs | keyof AuditTrail | keyof ConsoleSessions> {
  const latestApplies = async (where: string) =>
    (
      await db.all<ApplyViewRow>(`${APPLY_VIEW} JOIN (SELECT MAX(id) AS id FROM applies ${where} GROUP BY repo, project) m ON m.id = a.id`)
    ).map(records.toApplyView);
  const appliesPaused = async () => {
    const row = await db.get<{ value: string }>("SELECT value FROM flags WHERE name = ?", [PAUSE]);
    return row ? json<PauseState>(row.value) : undefined;
  };
  return {
    async projectActivity() {
      const plans = await db.all<PlanRunRow>(
        `SELECT s.repo, s.project, s.job_id, s.pr, s.updated_at, j.status AS job_status, p.status AS plan_status, p.summary, p.head_sha
         FROM log_streams s
         JOIN (SELECT repo, project, MAX(job_id) AS job_id FROM log_streams WHERE kind = 'plan' GROUP BY repo, project) m
           ON m.repo = s.repo AND m.project = s.project AND m.job_id = s.job_id
         JOIN jobs j ON j.id = s.job_id
         LEFT JOIN plans p ON p.job_id = s.job_id AND p.repo = s.repo AND p.project = s.project`,
      );
      const runs = plans.map((r): PlanRun & { repo: string; project: string } => ({
        repo: r.repo,
        project: r.project,
        jobId: r.job_id,
        pr: r.pr,
        jobStatus: r.job_status,
        planStatus: r.plan_status ?? undefined,
        summary: r.summary ? json<PlanRecord["summary"]>(r.summary) : undefined,
        headSha: r.head_sha ?? undefined,
        at: r.updated_at,
      }));
      return mergeActivity(runs, await latestApplies(""), await latestApplies("WHERE status = 'succeeded'"));
    },
    async knownRepos() {
      return (await db.all<{ repo: string }>("SELECT DISTINCT repo FROM jobs WHERE repo <> ''")).map((r) => r.repo);
    },
    async allLocks() {
      const locks = await db.all<LockRow>("SELECT * FROM locks ORDER BY repo, project, workspace");
      const waiters = await db.all<WaiterRow>("SELECT repo, dir, workspace, scope, pr FROM lock_waiters ORDER BY pr");
      return records.toLockViews(locks, waiters);
    },
    async lastJobTarget(repo, pr) {
      const row =
        pr === undefined
          ? await db.get<{ target: string }>("SELECT target FROM jobs WHERE repo = ? ORDER BY id DESC LIMIT 1", [repo])
          : await db.get<{ target: string }>("SELECT target FROM jobs WHERE repo = ? AND pr = ? ORDER BY id DESC LIMIT 1", [repo, pr]);
      return row ? json<JobTarget>(row.target) : undefined;
    },
    async applyHistory({ repo, limit = 500, beforeId }) {
      const rows = await db.all<ApplyViewRow>(
        `${APPLY_VIEW} WHERE (CAST(? AS TEXT) IS NULL OR a.repo = ?) AND (CAST(? AS BIGINT) IS NULL OR a.id < ?) ORDER BY a.id DESC LIMIT ?`,
        [repo ?? null, repo ?? null, beforeId ?? null, beforeId ?? null, limit],
      );
      return rows.map(records.toApplyView);
    },

    appliesPaused,
    async resumeApplies(pausedBefore, orAt = false) {
      // Stamps are ISO strings of one format: their text order is their time order.
      const gone = await db.all<{ value: string }>(
        `DELETE FROM flags WHERE name = ? AND value->>'at' ${orAt ? "<=" : "<"} ? RETURNING value`,
        [PAUSE, pausedBefore],
      );
      const lifted = gone[0] ? json<PauseState>(gone[0].value) : undefined;
      const still = await appliesPaused();
      return { ...(lifted ? { lifted } : {}), ...(still ? { still } : {}) };
    },
    async setAppliesPaused(pause) {
      if (!pause) {
        await db.run("DELETE FROM flags WHERE name = ?", [PAUSE]);
        return;
      }
      const value: PauseState = { by: pause.by, reason: pause.reason, at: now() };
      await db.run("INSERT INTO flags (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", [PAUSE, value]);
    },

    async stats() {
      const row = await db.get<{ queued: number; running: number; locks: number; closed: number; heads: number; checks: number }>(
        `SELECT (SELECT COUNT(*) FROM jobs WHERE status = 'queued') AS queued,
                (SELECT COUNT(*) FROM jobs WHERE status = 'running') AS running,
                (SELECT COUNT(*) FROM locks) AS locks,
                (SELECT COUNT(*) FROM audit_events WHERE action = 'reconciled' AND detail LIKE 'pr-closed:%') AS closed,
                (SELECT COUNT(*) FROM audit_events WHERE action = 'reconciled' AND detail LIKE 'head-moved:%') AS heads,
                (SELECT COUNT(*) FROM audit_events WHERE action = 'reconciled' AND detail LIKE 'check-orphaned:%') AS checks`,
      );
      return {
        queuedJobs: Number(row?.queued ?? 0),
        runningJobs: Number(row?.running ?? 0),
        locks: Number(row?.locks ?? 0),
        reconciled: {
          "pr-closed": Number(row?.closed ?? 0),
          "head-moved": Number(row?.heads ?? 0),
          "check-orphaned": Number(row?.checks ?? 0),
        },
      };
    },
  };
}

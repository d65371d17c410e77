import type { DriftCheck, DriftPause, DriftSchedule } from "../model/drift.js";
import type { JobTarget } from "../model/job.js";
import { json } from "./db/db.js";
import { enqueue } from "./job-queue.js";
import { type StoreDriver, now } from "./store-driver.js";
import type { Store } from "./store.js";

export type DriftSchedules = Pick<
  Store,
  | "syncDriftSchedules"
  | "dueDriftSchedules"
  | "nextDriftDueAt"
  | "claimDriftRun"
  | "setDriftPause"
  | "resumeDrift"
  | "driftPauses"
  | "recordDriftCheck"
  | "driftChecks"
>;

interface CheckRow {
  repo: string;
  project: string;
  status: DriftCheck["status"];
  reason: string;
  issue: number | null;
  issue_url: string | null;
  checked_at: string;
}

type PauseRow = { repo: string; project: string; actor: string; reason: string; created_at: string };
const toPause = (r: PauseRow): DriftPause => ({
  repo: r.repo,
  project: r.project,
  actor: r.actor,
  reason: r.reason,
  createdAt: r.created_at,
});

/** Pull mode's schedules (times of runs in epoch ms), pauses and last checks. */
export function driftSchedules({ db }: StoreDriver): DriftSchedules {
  const driftPauses = async (repo?: string) => {
    const rows = await db.all<PauseRow>("SELECT * FROM drift_pauses WHERE (CAST(? AS TEXT) IS NULL OR repo = ?) ORDER BY repo, project", [
      repo ?? null,
      repo ?? null,
    ]);
    return rows.map(toPause);
  };
  return {
    async syncDriftSchedules(repo, target, schedules) {
      await db.tx(function* (t) {
        const wanted = new Set(schedules.map((s) => s.cron));
        const existing = yield* t.all<{ cron: string }>("SELECT cron FROM drift_schedules WHERE repo = ?", [repo]);
        for (const { cron } of existing)
          if (!wanted.has(cron)) yield* t.run("DELETE FROM drift_schedules WHERE repo = ? AND cron = ?", [repo, cron]);
        for (const s of schedules) {
          // An unchanged cron keeps its next run: only projects and target follow the config.
          yield* t.run(
            `INSERT INTO drift_schedules (repo, cron, projects, target, next_run_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (repo, cron) DO UPDATE SET projects = excluded.projects, target = excluded.target`,
            [repo, s.cron, s.projects, target, s.nextRunAt],
          );
        }
      });
    },
    async dueDriftSchedules(at) {
      const rows = await db.all<{ repo: string; cron: string; projects: string; next_run_at: number }>(
        "SELECT repo, cron, projects, next_run_at FROM drift_schedules WHERE next_run_at <= ? ORDER BY next_run_at",
        [at],
      );
      return rows.map(
        (r): DriftSchedule => ({ repo: r.repo, cron: r.cron, projects: json<string[]>(r.projects), nextRunAt: r.next_run_at }),
      );
    },
    async nextDriftDueAt() {
      const row = await db.get<{ at: number | null }>("SELECT MIN(next_run_at) AS at FROM drift_schedules", []);
      return row?.at ?? undefined;
    },
    async claimDriftRun(run, spec) {
      // The conditional UPDATE is the claim: a second claimer's UPDATE waits for the first to
      // commit, then finds next_run_at moved and matches nothing.
      return db.tx(function* (t) {
        const claimed = yield* t.get<{ target: string }>(
          "UPDATE drift_schedules SET next_run_at = ? WHERE repo = ? AND cron = ? AND next_run_at = ? RETURNING target",
          [run.next, run.repo, run.cron, run.due],
        );
        if (!claimed) return undefined;
        // The schedule's previous run has not started yet: it will check the same default branch
        // head, so this run is folded into it instead of queued behind it (a busy worker with a
        // frequent schedule would otherwise pile up runs without end).
        const prefix = `sluice-drift:${run.repo}:${run.cron}:`;
        const waiting = yield* t.get<{ id: number }>(
          "SELECT id FROM jobs WHERE repo = ? AND source = 'schedule' AND status = 'queued' AND substr(once_key, 1, length(?)) = ? ORDER BY id LIMIT 1",
          [run.repo, prefix, prefix],
        );
        if (waiting) return { behind: waiting.id };
        const key = `${prefix}${run.due}`;
        const id = yield* enqueue(t, { deliveryId: key, source: "schedule", onceKey: key, target: json<JobTarget>(claimed.target), spec });
        return id === undefined ? undefined : { jobId: id };
      });
    },
    async setDriftPause(repo, project, pause) {
      if (!pause) {
        await db.run("DELETE FROM drift_pauses WHERE repo = ? AND project = ?", [repo, project]);
        return;
      }
      await db.run(
        `INSERT INTO drift_pauses (repo, project, actor, reason, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (repo, project) DO UPDATE SET actor = excluded.actor, reason = excluded.reason, created_at = excluded.created_at`,
        [repo, project, pause.actor, pause.reason, now()],
      );
    },
    driftPauses,
    async resumeDrift(repo, project, pausedBefore) {
      const gone = await db.all<PauseRow>("DELETE FROM drift_pauses WHERE repo = ? AND project = ? AND created_at < ? RETURNING *", [
        repo,
        project,
        pausedBefore,
      ]);
      const lifted = gone.map(toPause)[0];
      const still = (await driftPauses(repo)).find((p) => p.project === project);
      return { ...(lifted ? { lifted } : {}), ...(still ? { still } : {}) };
    },
    async recordDriftCheck(c) {
      await db.run(
        `INSERT INTO drift_checks (repo, project, status, reason, issue, issue_url, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (repo, project) DO UPDATE SET status = excluded.status, reason = excluded.reason, issue = excluded.issue,
           issue_url = excluded.issue_url, checked_at = excluded.checked_at`,
        [c.repo, c.project, c.status, c.reason, c.issue ?? null, c.issueUrl ?? null, c.checkedAt],
      );
    },
    async driftChecks() {
      const rows = await db.all<CheckRow>("SELECT * FROM drift_checks ORDER BY repo, project");
      return rows.map(
        (r): DriftCheck => ({
          repo: r.repo,
          project: r.project,
          status: r.status,
          reason: r.reason,
          ...(r.issue !== null ? { issue: r.issue } : {}),
          ...(r.issue_url !== null ? { issueUrl: r.issue_url } : {}),
          checkedAt: r.checked_at,
        }),
      );
    },
  };
}

import type Database from "better-sqlite3";
import type { DriftCheck, DriftPause, DriftSchedule } from "../model/drift.js";
import type { JobSpec, JobTarget } from "../model/job.js";
import type { LiveRow } from "./record-rows.js";
import { type Lite, sqliteRecords } from "./sqlite-rows.js";
import type { DriftMethods, LockRecord } from "./store.js";
import { writeTransaction } from "./sqlite-write-tx.js";
import { sqliteDriftIssueMethods } from "./sqlite-drift-issues.js";

/**
 * The drift methods over one SQLite database. `enqueue` inserts a job (and its delivery row) inside
 * the caller's transaction, so a claimed run and its job commit together.
 */
export function sqliteDriftMethods(
  db: Database.Database,
  enqueue: (deliveryId: string, target: JobTarget, spec: JobSpec) => number,
): DriftMethods {
  const now = () => new Date().toISOString();
  const syncTx = writeTransaction(db, (repo: string, target: JobTarget, schedules: Omit<DriftSchedule, "repo">[]) => {
    const existing = new Set(
      (db.prepare("SELECT cron FROM drift_schedules WHERE repo = ?").all(repo) as { cron: string }[]).map((r) => r.cron),
    );
    const wanted = new Set(schedules.map((s) => s.cron));
    for (const cron of existing)
      if (!wanted.has(cron)) db.prepare("DELETE FROM drift_schedules WHERE repo = ? AND cron = ?").run(repo, cron);
    for (const s of schedules) {
      if (existing.has(s.cron)) {
        db.prepare("UPDATE drift_schedules SET projects = ?, target = ? WHERE repo = ? AND cron = ?").run(
          JSON.stringify(s.projects),
          JSON.stringify(target),
          repo,
          s.cron,
        );
      } else {
        db.prepare("INSERT INTO drift_schedules (repo, cron, projects, target, next_run_at) VALUES (?, ?, ?, ?, ?)").run(
          repo,
          s.cron,
          JSON.stringify(s.projects),
          JSON.stringify(target),
          s.nextRunAt,
        );
      }
    }
  });
  const claimTx = writeTransaction(db, (run: { repo: string; cron: string; due: number; next: number }, spec: JobSpec) => {
    const row = db
      .prepare("SELECT target FROM drift_schedules WHERE repo = ? AND cron = ? AND next_run_at = ?")
      .get(run.repo, run.cron, run.due) as { target: string } | undefined;
    if (!row) return undefined;
    db.prepare("UPDATE drift_schedules SET next_run_at = ? WHERE repo = ? AND cron = ?").run(run.next, run.repo, run.cron);
    return enqueue(`sluice-drift:${run.repo}:${run.cron}:${run.due}`, JSON.parse(row.target) as JobTarget, spec) || undefined;
  });

  return {
    ...sqliteDriftIssueMethods(db),
    async appliedByPr(repo, pr, dir, workspace) {
      const row = db
        .prepare(
          `SELECT 1 FROM applies a JOIN plans p ON p.id = a.plan_id
           WHERE a.repo = ? AND a.pr = ? AND a.status = 'succeeded' AND p.dir = ? AND p.workspace = ? LIMIT 1`,
        )
        .get(repo, pr, dir, workspace);
      return row !== undefined;
    },
    // Any lock on the dir and workspace (whole or one named project's) keeps drift from acting there.
    async lockOn(repo, dir, workspace) {
      const r = db
        .prepare("SELECT * FROM locks WHERE repo = ? AND dir = ? AND workspace = ? ORDER BY created_at LIMIT 1")
        .get(repo, dir, workspace) as (Omit<LockRecord, "createdAt"> & { created_at: string }) | undefined;
      return r
        ? { repo: r.repo, dir: r.dir, workspace: r.workspace, project: r.project, scope: r.scope, pr: r.pr, createdAt: r.created_at }
        : undefined;
    },
    async recordLiveApplyStart(a) {
      return Number(
        db
          .prepare(
            `INSERT INTO live_applies (repo, project, dir, workspace, commit_sha, source, number, actor, approvers, plan_hash, outcome, started_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'started', ?)`,
          )
          .run(
            a.repo,
            a.project,
            a.dir,
            a.workspace,
            a.commitSha,
            a.source,
            a.number,
            a.actor,
            JSON.stringify(a.approvers),
            a.planHash,
            now(),
          ).lastInsertRowid,
      );
    },
    async recordLiveApplyEnd(id, outcome, deploymentId) {
      db.prepare("UPDATE live_applies SET outcome = ?, finished_at = ?, deployment_id = COALESCE(?, deployment_id) WHERE id = ?").run(
        outcome,
        now(),
        deploymentId ?? null,
        id,
      );
    },
    async liveApplies(repo, project) {
      const rows = (
        project === undefined
          ? db.prepare("SELECT * FROM live_applies WHERE repo = ? ORDER BY id DESC").all(repo)
          : db.prepare("SELECT * FROM live_applies WHERE repo = ? AND project = ? ORDER BY id DESC").all(repo, project)
      ) as LiveRow<Lite>[];
      return rows.map(sqliteRecords.toLive);
    },
    async syncDriftSchedules(repo, target, schedules) {
      syncTx(repo, target, schedules);
    },
    async dueDriftSchedules(at) {
      const rows = db
        .prepare("SELECT repo, cron, projects, next_run_at FROM drift_schedules WHERE next_run_at <= ? ORDER BY next_run_at")
        .all(at) as {
        repo: string;
        cron: string;
        projects: string;
        next_run_at: number;
      }[];
      return rows.map((r) => ({ repo: r.repo, cron: r.cron, projects: JSON.parse(r.projects) as string[], nextRunAt: r.next_run_at }));
    },
    async claimDriftRun(run, spec) {
      return claimTx(run, spec);
    },
    async setDriftPause(repo, project, pause) {
      if (!pause) {
        db.prepare("DELETE FROM drift_pauses WHERE repo = ? AND project = ?").run(repo, project);
        return;
      }
      db.prepare("INSERT OR REPLACE INTO drift_pauses (repo, project, actor, reason, created_at) VALUES (?, ?, ?, ?, ?)").run(
        repo,
        project,
        pause.actor,
        pause.reason,
        now(),
      );
    },
    async driftPauses(repo) {
      const rows = (
        repo === undefined
          ? db.prepare("SELECT * FROM drift_pauses ORDER BY repo, project").all()
          : db.prepare("SELECT * FROM drift_pauses WHERE repo = ? ORDER BY project").all(repo)
      ) as {
        repo: string;
        project: string;
        actor: string;
        reason: string;
        created_at: string;
      }[];
      return rows.map((r): DriftPause => ({ repo: r.repo, project: r.project, actor: r.actor, reason: r.reason, createdAt: r.created_at }));
    },
    async recordDriftCheck(c) {
      db.prepare(
        "INSERT OR REPLACE INTO drift_checks (repo, project, status, reason, issue, issue_url, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ).run(c.repo, c.project, c.status, c.reason, c.issue ?? null, c.issueUrl ?? null, c.checkedAt);
    },
    async driftChecks() {
      const rows = db.prepare("SELECT * FROM drift_checks ORDER BY repo, project").all() as {
        repo: string;
        project: string;
        status: DriftCheck["status"];
        reason: string;
        issue: number | null;
        issue_url: string | null;
        checked_at: string;
      }[];
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

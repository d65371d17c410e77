import type pg from "pg";
import type { DriftCheck, DriftSchedule } from "../model/drift.js";
import type { JobTarget } from "../model/job.js";
import { type LiveRow, toLive, toLock, type LockRow } from "./postgres-rows.js";
import { inTransaction } from "./db/postgres-transaction.js";
import type { DriftMethods } from "./store.js";
import { postgresDriftIssueMethods } from "./postgres-drift-issues.js";

/** `owner`: this replica, recorded on live applies so only a dead replica's are marked interrupted. */
export function postgresDriftMethods(pool: pg.Pool, owner: string): DriftMethods {
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await pool.query<R>(text, values)).rows;
  return {
    ...postgresDriftIssueMethods(pool),
    async appliedByPr(repo, pr, dir, workspace) {
      const rows = await query(
        `SELECT 1 FROM applies a JOIN plans p ON p.id = a.plan_id
         WHERE a.repo = $1 AND a.pr = $2 AND a.status = 'succeeded' AND p.dir = $3 AND p.workspace = $4 LIMIT 1`,
        [repo, pr, dir, workspace],
      );
      return rows.length > 0;
    },
    async lockOn(repo, dir, workspace) {
      // Any lock on the dir and workspace (whole or one named project's) keeps drift from acting there.
      const rows = await query<LockRow>("SELECT * FROM locks WHERE repo = $1 AND dir = $2 AND workspace = $3 ORDER BY created_at LIMIT 1", [
        repo,
        dir,
        workspace,
      ]);
      return rows[0] ? toLock(rows[0]) : undefined;
    },
    async recordLiveApplyStart(a) {
      const rows = await query<{ id: number }>(
        `INSERT INTO live_applies (repo, project, dir, workspace, commit_sha, source, number, actor, approvers, plan_hash, outcome, owner)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'started', $11) RETURNING id`,
        [a.repo, a.project, a.dir, a.workspace, a.commitSha, a.source, a.number, a.actor, JSON.stringify(a.approvers), a.planHash, owner],
      );
      return rows[0]?.id as number;
    },
    async recordLiveApplyEnd(id, outcome, deploymentId) {
      await query("UPDATE live_applies SET outcome = $2, finished_at = now(), deployment_id = COALESCE($3, deployment_id) WHERE id = $1", [
        id,
        outcome,
        deploymentId ?? null,
      ]);
    },
    async liveApplies(repo, project) {
      const rows =
        project === undefined
          ? await query<LiveRow>("SELECT * FROM live_applies WHERE repo = $1 ORDER BY id DESC", [repo])
          : await query<LiveRow>("SELECT * FROM live_applies WHERE repo = $1 AND project = $2 ORDER BY id DESC", [repo, project]);
      return rows.map(toLive);
    },
    async syncDriftSchedules(repo, target, schedules) {
      await inTransaction(pool, async (c) => {
        const crons = schedules.map((s) => s.cron);
        await c.query("DELETE FROM drift_schedules WHERE repo = $1 AND NOT (cron = ANY($2::text[]))", [repo, crons]);
        for (const s of schedules) {
          // An unchanged cron keeps its next run: only projects and target follow the config.
          await c.query(
            `INSERT INTO drift_schedules (repo, cron, projects, target, next_run_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (repo, cron) DO UPDATE SET projects = EXCLUDED.projects, target = EXCLUDED.target`,
            [repo, s.cron, JSON.stringify(s.projects), JSON.stringify(target), s.nextRunAt],
          );
        }
      });
    },
    async dueDriftSchedules(at) {
      const rows = await query<{ repo: string; cron: string; projects: string[]; next_run_at: string }>(
        "SELECT repo, cron, projects, next_run_at FROM drift_schedules WHERE next_run_at <= $1 ORDER BY next_run_at",
        [at],
      );
      return rows.map((r): DriftSchedule => ({ repo: r.repo, cron: r.cron, projects: r.projects, nextRunAt: Number(r.next_run_at) }));
    },
    async claimDriftRun(run, spec) {
      // The conditional UPDATE is the claim: a second replica's UPDATE waits for the first to
      // commit, then finds next_run_at moved and matches nothing.
      return inTransaction(pool, async (c) => {
        const claimed = await c.query<{ target: JobTarget }>(
          "UPDATE drift_schedules SET next_run_at = $4 WHERE repo = $1 AND cron = $2 AND next_run_at = $3 RETURNING target",
          [run.repo, run.cron, run.due, run.next],
        );
        const target = claimed.rows[0]?.target;
        if (!target) return undefined;
        const deliveryId = `sluice-drift:${run.repo}:${run.cron}:${run.due}`;
        const inserted = await c.query("INSERT INTO deliveries (id, event) VALUES ($1, 'schedule') ON CONFLICT (id) DO NOTHING", [
          deliveryId,
        ]);
        if (inserted.rowCount === 0) return undefined;
        const job = await c.query<{ id: number }>(
          "INSERT INTO jobs (delivery_id, target, spec, status) VALUES ($1, $2, $3, 'queued') RETURNING id",
          [deliveryId, JSON.stringify(target), JSON.stringify(spec)],
        );
        const jobId = job.rows[0]?.id as number;
        await c.query("UPDATE deliveries SET job_id = $1 WHERE id = $2", [jobId, deliveryId]);
        return jobId;
      });
    },
    async setDriftPause(repo, project, pause) {
      if (!pause) {
        await query("DELETE FROM drift_pauses WHERE repo = $1 AND project = $2", [repo, project]);
        return;
      }
      await query(
        `INSERT INTO drift_pauses (repo, project, actor, reason) VALUES ($1, $2, $3, $4)
         ON CONFLICT (repo, project) DO UPDATE SET actor = EXCLUDED.actor, reason = EXCLUDED.reason, created_at = now()`,
        [repo, project, pause.actor, pause.reason],
      );
    },
    async driftPauses(repo) {
      type PauseRow = { repo: string; project: string; actor: string; reason: string; created_at: Date };
      const rows =
        repo === undefined
          ? await query<PauseRow>("SELECT * FROM drift_pauses ORDER BY repo, project")
          : await query<PauseRow>("SELECT * FROM drift_pauses WHERE repo = $1 ORDER BY project", [repo]);
      return rows.map((r) => ({
        repo: r.repo,
        project: r.project,
        actor: r.actor,
        reason: r.reason,
        createdAt: r.created_at.toISOString(),
      }));
    },
    async recordDriftCheck(c) {
      await query(
        `INSERT INTO drift_checks (repo, project, status, reason, issue, issue_url, checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (repo, project) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, issue = EXCLUDED.issue,
           issue_url = EXCLUDED.issue_url, checked_at = EXCLUDED.checked_at`,
        [c.repo, c.project, c.status, c.reason, c.issue ?? null, c.issueUrl ?? null, c.checkedAt],
      );
    },
    async driftChecks() {
      const rows = await query<{
        repo: string;
        project: string;
        status: DriftCheck["status"];
        reason: string;
        issue: number | null;
        issue_url: string | null;
        checked_at: Date;
      }>("SELECT * FROM drift_checks ORDER BY repo, project");
      return rows.map(
        (r): DriftCheck => ({
          repo: r.repo,
          project: r.project,
          status: r.status,
          reason: r.reason,
          ...(r.issue !== null ? { issue: r.issue } : {}),
          ...(r.issue_url !== null ? { issueUrl: r.issue_url } : {}),
          checkedAt: r.checked_at.toISOString(),
        }),
      );
    },
  };
}

import { json } from "./db/db.js";
import { type ApplyRow, type LiveRow, records } from "./record-rows.js";
import { repositoryNow } from "./repository-moves.js";
import { type StoreDriver, now, orphanedBy } from "./store-driver.js";
import type { ApplyRecord, PlanRecord, Store } from "./store.js";

export type ApplyRecords = Pick<
  Store,
  | "recordApplyStart"
  | "recordApplyEnd"
  | "interruptStartedApplies"
  | "interruptedAppliesOf"
  | "unsettledAppliesOfPr"
  | "settleAppliesOfPr"
  | "appliedByPr"
  | "appliedSummariesOfPr"
>;

/**
 * PR applies, and the interruption of both these and the live record's (live-applies.ts). Both carry
 * the process that started them, so only applies of a process that is gone are marked interrupted.
 */
export function applyRecords(driver: StoreDriver): ApplyRecords {
  const { db } = driver;
  return {
    async recordApplyStart(a) {
      const row = await db.tx(function* (t) {
        // Under the repository's name now (a job begun before a rename): a failed apply keeps the locks there.
        const repo = yield* repositoryNow(t, a.repo);
        return yield* t.get<{ id: number }>(
          "INSERT INTO applies (job_id, repo, pr, project, plan_id, status, owner, started_at) VALUES (?, ?, ?, ?, ?, 'started', ?, ?) RETURNING id",
          [a.jobId, repo, a.pr, a.project, a.planId, driver.owner, now()],
        );
      });
      return row?.id as number;
    },
    async recordApplyEnd(id, status) {
      await db.run("UPDATE applies SET status = ?, finished_at = ? WHERE id = ?", [status, now(), id]);
    },
    async interruptStartedApplies() {
      const rows = await db.tx(function* (t) {
        const owners = yield* t.all<{ owner: string }>(
          `SELECT owner FROM applies WHERE status = 'started' AND owner IS NOT NULL
           UNION SELECT owner FROM live_applies WHERE outcome = 'started' AND owner IS NOT NULL`,
        );
        const dead = orphanedBy(
          yield* driver.deadOwners(
            t,
            owners.map((r) => r.owner),
          ),
        );
        const at = now();
        const interrupted = yield* t.all<ApplyRow>(
          `UPDATE applies SET status = 'interrupted', finished_at = ? WHERE status = 'started' AND ${dead.sql} RETURNING *`,
          [at, ...dead.params],
        );
        // The live record's rows of those processes say so too.
        const live = yield* t.all<LiveRow>(
          `UPDATE live_applies SET outcome = 'interrupted', finished_at = ? WHERE outcome = 'started' AND ${dead.sql} RETURNING *`,
          [at, ...dead.params],
        );
        return { interrupted, live };
      });
      return {
        applies: rows.interrupted.map(records.toApply).sort((a: ApplyRecord, b: ApplyRecord) => a.id - b.id),
        live: rows.live.map(records.toLive).sort((a, b) => a.id - b.id),
      };
    },
    async interruptedAppliesOf(jobId) {
      // 'started' too: the sweep (interruptStartedApplies) and the adoption of jobs (runningJobs) ask
      // whether an owner is dead a moment apart, so a job adopted as orphaned can still have applies
      // the sweep left started (its owner's heartbeat ran out in between). The next sweep marks them.
      const rows = await db.all<ApplyRow>("SELECT * FROM applies WHERE job_id = ? AND status IN ('interrupted', 'started') ORDER BY id", [
        jobId,
      ]);
      return rows.map(records.toApply);
    },
    async unsettledAppliesOfPr(repo, pr) {
      const rows = await db.all<ApplyRow>(`SELECT * FROM applies a WHERE ${UNSETTLED} ORDER BY id`, [repo, pr]);
      return rows.map(records.toApply);
    },
    async settleAppliesOfPr(repo, pr, released, actor, endedBefore) {
      const at = now();
      // A still-`started` apply ended with its job (cut short): by the job's last change, not the
      // apply's start, or one running when the `/unlock` was written would count as a failure it saw.
      const rows = await db.tx(function* (t) {
        const settled: ApplyRow[] = [];
        for (const l of released) {
          settled.push(
            ...(yield* t.all<ApplyRow>(
              `UPDATE applies SET settled_by = ?, settled_at = ? WHERE id IN (
                 SELECT a.id FROM applies a JOIN plans pl ON pl.id = a.plan_id
                 WHERE ${UNSETTLED} AND pl.dir = ? AND pl.workspace = ? AND (CAST(? AS TEXT) = '' OR a.project = ?)
                 AND COALESCE(a.finished_at, (SELECT j.updated_at FROM jobs j WHERE j.id = a.job_id), a.started_at) < ?) RETURNING *`,
              [actor, at, repo, pr, l.dir, l.workspace, l.scope, l.scope, endedBefore],
            )),
          );
        }
        return settled;
      });
      return rows.map(records.toApply).sort((a, b) => a.id - b.id);
    },
    async appliedByPr(repo, pr, dir, workspace, headSha, named) {
      const ofHead = headSha === undefined ? "" : " AND p.head_sha = ?";
      const row = await db.get(
        `SELECT 1 AS applied FROM applies a JOIN plans p ON p.id = a.plan_id
         WHERE a.repo = ? AND a.pr = ? AND a.status = 'succeeded' AND p.dir = ? AND p.workspace = ?${ofHead}
         AND (CAST(? AS TEXT) IS NULL OR a.project = ?) LIMIT 1`,
        [repo, pr, dir, workspace, ...(headSha === undefined ? [] : [headSha]), named ?? null, named ?? null],
      );
      return row !== undefined;
    },
    async appliedSummariesOfPr(repo, pr, dir, workspace, named) {
      // A failed or interrupted apply may have deleted some of what it planned before it stopped.
      // Where several base projects share the dir and workspace, only this one's (by its recorded name).
      const rows = await db.all<{ summary: string; status: string }>(
        `SELECT p.summary AS summary, a.status AS status FROM applies a JOIN plans p ON p.id = a.plan_id
         WHERE a.repo = ? AND a.pr = ? AND a.status IN ('succeeded', 'failed', 'interrupted') AND p.dir = ? AND p.workspace = ?
         AND (CAST(? AS TEXT) IS NULL OR a.project = ?) ORDER BY a.id`,
        [repo, pr, dir, workspace, named ?? null, named ?? null],
      );
      return rows.map((r) => ({ summary: json<PlanRecord["summary"]>(r.summary), succeeded: r.status === "succeeded" }));
    },
  };
}

/**
 * Of applies `a`, those of one PR (params: repo, pr) that may have left the state unlike what the
 * backend says and no person settled: the one condition the close's cleanup, the heal and `/unlock` read.
 * One a later apply of the same project in this PR succeeded over is settled by it; at the
 * same dir and workspace (its plan's), where the lock is: a PR can give another dir's
 * project (one new in it) the name, and a success there says nothing of this state.
 * One still `started` whose job no longer runs was cut short too: a job adopted as orphaned
 * is marked interrupted a moment before the sweep marks its applies (see interruptedAppliesOf).
 */
const UNSETTLED = `a.repo = ? AND a.pr = ? AND a.settled_at IS NULL AND (a.status IN ('interrupted', 'failed')
    OR (a.status = 'started' AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = a.job_id AND j.status IN ('queued', 'running'))))
  AND NOT EXISTS (SELECT 1 FROM applies b JOIN plans pb ON pb.id = b.plan_id JOIN plans pa ON pa.id = a.plan_id
    WHERE b.repo = a.repo AND b.pr = a.pr AND b.project = a.project AND b.id > a.id AND b.status = 'succeeded'
    AND pb.dir = pa.dir AND pb.workspace = pa.workspace)`;

import type { Tx, TxBody } from "./db/db.js";
import { type PlanRow, records } from "./record-rows.js";
import { repositoryNow } from "./repository-moves.js";
import { type StoreDriver, now } from "./store-driver.js";
import type { PlanFile, ProjectKey, Store } from "./store.js";

export type SavedPlans = Pick<
  Store,
  "savePlan" | "pendingPlans" | "planFile" | "planHistory" | "supersedePlans" | "markPlanApplied" | "markPlanShown"
>;

/** Supersedes the pending plans of a PR that match `key` (all when absent) and deletes their files; returns how many. */
function* supersede(t: Tx, repo: string, pr: number, key?: ProjectKey): TxBody<number> {
  const changed = key
    ? yield* t.all<{ id: number }>(
        `UPDATE plans SET status = 'superseded'
         WHERE repo = ? AND pr = ? AND dir = ? AND workspace = ? AND (CAST(? AS TEXT) IS NULL OR project = ?) AND status = 'pending'
         RETURNING id`,
        [repo, pr, key.dir, key.workspace, key.project ?? null, key.project ?? null],
      )
    : yield* t.all<{ id: number }>("UPDATE plans SET status = 'superseded' WHERE repo = ? AND pr = ? AND status = 'pending' RETURNING id", [
        repo,
        pr,
      ]);
  for (const { id } of changed) yield* t.run("DELETE FROM plan_files WHERE plan_id = ?", [id]);
  return changed.length;
}

/** Saved plans and their files: one pending plan per PR + dir + workspace + project. */
export function savedPlans({ db }: StoreDriver): SavedPlans {
  return {
    async savePlan(asked, file) {
      const row = await db.tx(function* (t) {
        // A plan job that began before its repository was renamed: its plan goes where its lock
        // is now, or `/apply` under the new name would not find it.
        const plan = { ...asked, repo: yield* repositoryNow(t, asked.repo) };
        // Saves of one key take turns: there is no row to lock before the first save, and without
        // turns concurrent saves would both supersede nothing and all but one fail on the index.
        yield* t.serialize("plan", JSON.stringify([plan.repo, plan.pr, plan.dir, plan.workspace, plan.project]));
        yield* supersede(t, plan.repo, plan.pr, plan);
        const saved = (yield* t.get<PlanRow>(
          `INSERT INTO plans (repo, pr, project, dir, workspace, runner, head_sha, base_sha, plan_path, plan_hash, summary, status, job_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING *`,
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
            plan.summary,
            plan.jobId,
            now(),
          ],
        )) as PlanRow;
        yield* t.run("INSERT INTO plan_files (plan_id, sha256, size, bytes, mac) VALUES (?, ?, ?, ?, ?)", [
          saved.id,
          file.sha256,
          file.size,
          file.bytes ?? null,
          file.mac ?? null,
        ]);
        return saved;
      });
      return records.toPlan(row);
    },
    async pendingPlans(repo, pr) {
      const rows = await db.all<PlanRow>(
        "SELECT * FROM plans WHERE repo = ? AND pr = ? AND status = 'pending' ORDER BY dir, workspace, project",
        [repo, pr],
      );
      return rows.map(records.toPlan);
    },
    async planFile(planId) {
      const row = await db.get<{ sha256: string; size: number; bytes: Buffer | null; mac: string | null }>(
        "SELECT sha256, size, bytes, mac FROM plan_files WHERE plan_id = ?",
        [planId],
      );
      if (!row) return undefined;
      const file: PlanFile = { sha256: row.sha256, size: row.size };
      if (row.bytes !== null) file.bytes = row.bytes;
      if (row.mac !== null) file.mac = row.mac;
      return file;
    },
    async planHistory(repo, pr, key, headSha) {
      const ofHead = headSha === undefined ? "" : " AND head_sha = ?";
      const rows = await db.all<PlanRow>(
        `SELECT * FROM plans WHERE repo = ? AND pr = ? AND dir = ? AND workspace = ? AND project = ?${ofHead} ORDER BY id`,
        [repo, pr, key.dir, key.workspace, key.project, ...(headSha === undefined ? [] : [headSha])],
      );
      return rows.map(records.toPlan);
    },
    async supersedePlans(repo, pr, keys) {
      return db.tx(function* (t) {
        if (!keys) return yield* supersede(t, repo, pr);
        let n = 0;
        for (const key of keys) n += yield* supersede(t, repo, pr, key);
        return n;
      });
    },
    async markPlanApplied(planId) {
      await db.tx(function* (t) {
        yield* t.run("UPDATE plans SET status = 'applied' WHERE id = ?", [planId]);
        yield* t.run("DELETE FROM plan_files WHERE plan_id = ?", [planId]);
      });
      // The last record before the tool starts: the apply's start and its used plan outlive any crash.
      await db.durable();
    },
    async markPlanShown(planId, at) {
      await db.run("UPDATE plans SET shown_at = ? WHERE id = ? AND shown_at IS NULL", [at, planId]);
    },
  };
}

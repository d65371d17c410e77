import { addColumnIfMissing, columnsOf } from "./catalog.js";
import type { Tx, TxBody } from "./db.js";
import { BASELINE_INDEXES, baselineTables, lockTables, policyApprovalsTable } from "./migration-1-tables.js";

/**
 * Version 1: the tables of every earlier release, reconciled. A new database gets them as
 * `baselineTables` says; a database made before schema versions keeps its rows and is brought to
 * the same columns:
 * - locks and waiters from before named projects shared a dir (keyed by dir + workspace) are
 *   rebuilt with the scope column; old rows get "" (the whole dir + workspace, so nothing they
 *   blocked becomes free) and the old one-plan-per-dir index goes;
 * - plan files from before plans were signed gain `mac`;
 * - the embedded store's tables gain the `owner` columns the shared store had;
 * - the embedded store's policy approvals (`user`, ordered by rowid) become the shared store's
 *   shape (`login`, ordered by `id`), rows kept in their order.
 */
export function* baseline(t: Tx): TxBody<void> {
  const d = t.dialect;
  yield* t.exec(baselineTables(d));

  const scoped = (yield* columnsOf(t, "locks")).includes("scope") && (yield* columnsOf(t, "lock_waiters")).includes("scope");
  if (!scoped) {
    yield* t.exec(lockTables(d, "locks_v2", "lock_waiters_v2"));
    yield* t.exec(`INSERT INTO locks_v2 (repo, dir, workspace, project, scope, pr, created_at)
                     SELECT repo, dir, workspace, project, '', pr, created_at FROM locks;
                   INSERT INTO lock_waiters_v2 (repo, dir, workspace, scope, pr, target)
                     SELECT repo, dir, workspace, '', pr, target FROM lock_waiters;
                   DROP TABLE locks;
                   DROP TABLE lock_waiters;
                   ALTER TABLE locks_v2 RENAME TO locks;
                   ALTER TABLE lock_waiters_v2 RENAME TO lock_waiters;`);
  }
  yield* t.exec("DROP INDEX IF EXISTS plans_pending");

  yield* addColumnIfMissing(t, "plan_files", "mac", "TEXT");
  for (const table of ["jobs", "applies", "live_applies", "job_results"]) yield* addColumnIfMissing(t, table, "owner", "TEXT");

  if ((yield* columnsOf(t, "policy_approvals")).includes("user")) {
    yield* t.exec(policyApprovalsTable(d, "policy_approvals_v2"));
    yield* t.exec(`INSERT INTO policy_approvals_v2 (repo, pr, plan_hash, policy_set, login, created_at)
                     SELECT repo, pr, plan_hash, policy_set, "user", created_at FROM policy_approvals ORDER BY rowid;
                   DROP TABLE policy_approvals;
                   ALTER TABLE policy_approvals_v2 RENAME TO policy_approvals;`);
  }
  yield* t.exec(BASELINE_INDEXES);
}

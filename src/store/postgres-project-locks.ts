import type pg from "pg";
import { type LockRow, toLock } from "./postgres-rows.js";
import { inTransaction } from "./postgres-transaction.js";
import type { JobTarget } from "../model/job.js";
import type { LockRecord, Store } from "./store.js";

/**
 * Project locks across replicas (rule 4), on row locks rather than SERIALIZABLE. takeLock inserts
 * the lock if the key is free, then reads the holder FOR UPDATE; releaseLocks reads the PR's locks
 * FOR UPDATE before deleting them and their waiters. Whichever of a take and a release locks the
 * row first, the other sees its outcome: a release that went first leaves no row (the take loops
 * and inserts), a take that went first has its waiter row committed before the release reads it.
 */
export async function takeProjectLock(
  pool: pg.Pool,
  lock: Omit<LockRecord, "createdAt">,
  waiter: JobTarget,
): ReturnType<Store["takeLock"]> {
  const key = [lock.repo, lock.dir, lock.workspace];
  return inTransaction(pool, async (c) => {
    for (;;) {
      await c.query(
        `INSERT INTO locks (repo, dir, workspace, project, pr) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (repo, dir, workspace) DO NOTHING`,
        [...key, lock.project, lock.pr],
      );
      const held = await c.query<LockRow>("SELECT * FROM locks WHERE repo = $1 AND dir = $2 AND workspace = $3 FOR UPDATE", key);
      const holder = held.rows[0];
      // Released between the two statements: take it now.
      if (!holder) continue;
      if (holder.pr !== lock.pr) {
        await c.query(
          `INSERT INTO lock_waiters (repo, dir, workspace, pr, target) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (repo, dir, workspace, pr) DO UPDATE SET target = EXCLUDED.target`,
          [...key, lock.pr, JSON.stringify(waiter)],
        );
        return { ok: false as const, heldBy: toLock(holder) };
      }
      await c.query("DELETE FROM lock_waiters WHERE repo = $1 AND dir = $2 AND workspace = $3 AND pr = $4", [...key, lock.pr]);
      return { ok: true as const };
    }
  });
}

export async function releaseProjectLocks(
  pool: pg.Pool,
  repo: string,
  pr: number,
  keys?: { dir: string; workspace: string }[],
): ReturnType<Store["releaseLocks"]> {
  return inTransaction(pool, async (c) => {
    const held = await c.query<LockRow>("SELECT * FROM locks WHERE repo = $1 AND pr = $2 ORDER BY dir, workspace FOR UPDATE", [repo, pr]);
    const mine = held.rows.filter((l) => !keys || keys.some((k) => k.dir === l.dir && k.workspace === l.workspace));
    const waiters = new Map<number, JobTarget>();
    for (const l of mine) {
      await c.query("DELETE FROM locks WHERE repo = $1 AND dir = $2 AND workspace = $3 AND pr = $4", [l.repo, l.dir, l.workspace, pr]);
      const w = await c.query<{ pr: number; target: JobTarget }>(
        "DELETE FROM lock_waiters WHERE repo = $1 AND dir = $2 AND workspace = $3 RETURNING pr, target",
        [l.repo, l.dir, l.workspace],
      );
      for (const row of w.rows) waiters.set(row.pr, row.target);
    }
    // A closed PR waits for nothing any more.
    if (!keys) await c.query("DELETE FROM lock_waiters WHERE repo = $1 AND pr = $2", [repo, pr]);
    return { released: mine.map(toLock), waiters: [...waiters.values()] };
  });
}

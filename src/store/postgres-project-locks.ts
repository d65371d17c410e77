import type pg from "pg";
import { advisoryKey } from "./advisory-key.js";
import { type LockRow, toLock } from "./postgres-rows.js";
import { inTransaction } from "./db/postgres-transaction.js";
import type { JobTarget } from "../model/job.js";
import { type LockRecord, type ProjectKey, type Store, keyMatches, scopesConflict } from "./store.js";

/** The advisory key every take and release of locks on one dir + workspace takes turns on. */
const placeKey = (repo: string, dir: string, workspace: string) => advisoryKey("lock", JSON.stringify([repo, dir, workspace]));

/**
 * Project locks across replicas (rule 4). A named lock and a whole-dir lock ("") have different
 * primary keys, so no unique key can decide between two concurrent takes on one dir + workspace:
 * takes and releases there take turns on a transaction-scoped advisory lock instead, and each
 * sees the committed outcome of the one before (a waiter row committed before a release reads it).
 */
export async function takeProjectLock(
  pool: pg.Pool,
  lock: Omit<LockRecord, "createdAt">,
  waiter: JobTarget,
): ReturnType<Store["takeLock"]> {
  const at = [lock.repo, lock.dir, lock.workspace];
  return inTransaction(pool, async (c) => {
    await c.query("SELECT pg_advisory_xact_lock($1::bigint)", [placeKey(lock.repo, lock.dir, lock.workspace)]);
    const here = await c.query<LockRow>("SELECT * FROM locks WHERE repo = $1 AND dir = $2 AND workspace = $3 ORDER BY created_at", at);
    const holder = here.rows.find((h) => h.pr !== lock.pr && scopesConflict(h.scope, lock.scope));
    if (holder) {
      await c.query(
        `INSERT INTO lock_waiters (repo, dir, workspace, scope, pr, target) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (repo, dir, workspace, scope, pr) DO UPDATE SET target = EXCLUDED.target`,
        [...at, lock.scope, lock.pr, JSON.stringify(waiter)],
      );
      return { ok: false as const, heldBy: toLock(holder) };
    }
    await c.query(
      `INSERT INTO locks (repo, dir, workspace, project, scope, pr) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (repo, dir, workspace, scope) DO NOTHING`,
      [...at, lock.project, lock.scope, lock.pr],
    );
    await c.query("DELETE FROM lock_waiters WHERE repo = $1 AND dir = $2 AND workspace = $3 AND scope = $4 AND pr = $5", [
      ...at,
      lock.scope,
      lock.pr,
    ]);
    return { ok: true as const };
  });
}

export async function releaseProjectLocks(pool: pg.Pool, repo: string, pr: number, keys?: ProjectKey[]): ReturnType<Store["releaseLocks"]> {
  return inTransaction(pool, async (c) => {
    const chosen = (rows: LockRow[]) => rows.filter((l) => !keys || keys.some((k) => keyMatches(k, l)));
    const first = chosen((await c.query<LockRow>("SELECT * FROM locks WHERE repo = $1 AND pr = $2", [repo, pr])).rows);
    // Sorted, so two releases never wait on each other's places in opposite orders.
    const places = [...new Set(first.map((l) => JSON.stringify([l.dir, l.workspace])))].sort();
    for (const place of places) {
      const [dir, workspace] = JSON.parse(place) as [string, string];
      await c.query("SELECT pg_advisory_xact_lock($1::bigint)", [placeKey(repo, dir, workspace)]);
    }
    const held = await c.query<LockRow>("SELECT * FROM locks WHERE repo = $1 AND pr = $2 ORDER BY dir, workspace, scope FOR UPDATE", [
      repo,
      pr,
    ]);
    const mine = chosen(held.rows).filter((l) => places.includes(JSON.stringify([l.dir, l.workspace])));
    const waiters = new Map<number, JobTarget>();
    for (const l of mine) {
      const at = [l.repo, l.dir, l.workspace];
      await c.query("DELETE FROM locks WHERE repo = $1 AND dir = $2 AND workspace = $3 AND scope = $4 AND pr = $5", [...at, l.scope, pr]);
      const w = await c.query<{ scope: string; pr: number; target: JobTarget }>(
        "SELECT scope, pr, target FROM lock_waiters WHERE repo = $1 AND dir = $2 AND workspace = $3",
        at,
      );
      // Only those waiting for a scope this lock blocked: a PR on another named project was never blocked by it.
      for (const row of w.rows.filter((r) => scopesConflict(r.scope, l.scope))) {
        waiters.set(row.pr, row.target);
        await c.query("DELETE FROM lock_waiters WHERE repo = $1 AND dir = $2 AND workspace = $3 AND scope = $4 AND pr = $5", [
          ...at,
          row.scope,
          row.pr,
        ]);
      }
    }
    // A closed PR waits for nothing any more.
    if (!keys) await c.query("DELETE FROM lock_waiters WHERE repo = $1 AND pr = $2", [repo, pr]);
    return { released: mine.map(toLock), waiters: [...waiters.values()] };
  });
}

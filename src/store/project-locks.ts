import type { JobTarget } from "../model/job.js";
import { json } from "./db/db.js";
import { type LockRow, records } from "./record-rows.js";
import { type StoreDriver, now } from "./store-driver.js";
import { type Store, keyMatches, scopesConflict } from "./store.js";
import { renamedIn } from "../model/repo-move.js";
import { repositoryNow } from "./repository-moves.js";

export type ProjectLocks = Pick<Store, "takeLock" | "locksOf" | "releaseLocks" | "lockHolders" | "lockOn">;

/** The key every take and release of locks on one dir + workspace takes turns on. */
const place = (repo: string, dir: string, workspace: string) => JSON.stringify([repo, dir, workspace]);

/**
 * Project locks (rule 4). A named lock and a whole-dir lock ("") have
 * different primary keys, so no unique key can decide between two concurrent takes on one dir +
 * workspace: takes and releases there take turns instead, and each sees the committed outcome of
 * the one before (a waiter row committed before a release reads it).
 */
export function projectLocks({ db }: StoreDriver): ProjectLocks {
  return {
    async takeLock(asked, asWaiter) {
      return db.tx(function* (t) {
        // A job that started before its repository was renamed still names the old one: its lock
        // goes where the repository's locks are now, or it would not exclude PRs under the new name.
        const repo = yield* repositoryNow(t, asked.repo);
        const lock = { ...asked, repo };
        const waiter = repo === asked.repo ? asWaiter : (renamedIn(asWaiter, asked.repo, repo) as JobTarget);
        const at = [lock.repo, lock.dir, lock.workspace];
        yield* t.serialize("lock", place(lock.repo, lock.dir, lock.workspace));
        const here = yield* t.all<LockRow>("SELECT * FROM locks WHERE repo = ? AND dir = ? AND workspace = ? ORDER BY created_at", at);
        const holder = here.find((h) => h.pr !== lock.pr && scopesConflict(h.scope, lock.scope));
        if (holder) {
          yield* t.run(
            `INSERT INTO lock_waiters (repo, dir, workspace, scope, pr, target) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (repo, dir, workspace, scope, pr) DO UPDATE SET target = excluded.target`,
            [...at, lock.scope, lock.pr, waiter],
          );
          return { ok: false as const, heldBy: records.toLock(holder) };
        }
        // Taken again by its own PR, the lock takes the name the PR now gives the project (a rename):
        // `/unlock -p NEW` and the lock's listings name it as the PR's plans do.
        yield* t.run(
          `INSERT INTO locks (repo, dir, workspace, project, scope, pr, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (repo, dir, workspace, scope) DO UPDATE SET project = excluded.project WHERE locks.pr = excluded.pr`,
          [...at, lock.project, lock.scope, lock.pr, now()],
        );
        yield* t.run("DELETE FROM lock_waiters WHERE repo = ? AND dir = ? AND workspace = ? AND scope = ? AND pr = ?", [
          ...at,
          lock.scope,
          lock.pr,
        ]);
        return { ok: true as const };
      });
    },
    async lockHolders() {
      // A lock is only ever taken by a job of its PR: that job's target reaches the PR on GitHub.
      const rows = await db.all<{ target: string | null }>(
        `SELECT (SELECT j.target FROM jobs j WHERE j.repo = l.repo AND j.pr = l.pr ORDER BY j.id DESC LIMIT 1) AS target
         FROM (SELECT DISTINCT repo, pr FROM locks) l ORDER BY l.repo, l.pr`,
      );
      return rows.flatMap((r) => (r.target === null ? [] : [json<JobTarget>(r.target)]));
    },
    async locksOf(repo, pr) {
      const rows = await db.all<LockRow>("SELECT * FROM locks WHERE repo = ? AND pr = ? ORDER BY dir, workspace, scope", [repo, pr]);
      return rows.map(records.toLock);
    },
    async releaseLocks(repo, pr, keys) {
      return db.tx(function* (t) {
        const chosen = (rows: LockRow[]) => rows.filter((l) => !keys || keys.some((k) => keyMatches(k, l)));
        const first = chosen(yield* t.all<LockRow>("SELECT * FROM locks WHERE repo = ? AND pr = ?", [repo, pr]));
        // Sorted, so two releases never wait on each other's places in opposite orders.
        const places = [...new Set(first.map((l) => place(repo, l.dir, l.workspace)))].sort();
        for (const p of places) yield* t.serialize("lock", p);
        const held = yield* t.all<LockRow>(
          `SELECT * FROM locks WHERE repo = ? AND pr = ? ORDER BY dir, workspace, scope ${db.dialect.forUpdate}`,
          [repo, pr],
        );
        const mine = chosen(held).filter((l) => places.includes(place(repo, l.dir, l.workspace)));
        const waiters = new Map<number, JobTarget>();
        for (const l of mine) {
          const at = [l.repo, l.dir, l.workspace];
          yield* t.run("DELETE FROM locks WHERE repo = ? AND dir = ? AND workspace = ? AND scope = ? AND pr = ?", [...at, l.scope, pr]);
          const waiting = yield* t.all<{ scope: string; pr: number; target: string }>(
            "SELECT scope, pr, target FROM lock_waiters WHERE repo = ? AND dir = ? AND workspace = ?",
            at,
          );
          // Only those waiting for a scope this lock blocked: a PR on another named project was never blocked by it.
          for (const w of waiting.filter((r) => scopesConflict(r.scope, l.scope))) {
            waiters.set(w.pr, JSON.parse(w.target) as JobTarget);
            yield* t.run("DELETE FROM lock_waiters WHERE repo = ? AND dir = ? AND workspace = ? AND scope = ? AND pr = ?", [
              ...at,
              w.scope,
              w.pr,
            ]);
          }
        }
        // A closed PR waits for nothing any more.
        if (!keys) yield* t.run("DELETE FROM lock_waiters WHERE repo = ? AND pr = ?", [repo, pr]);
        return { released: mine.map(records.toLock), waiters: [...waiters.values()] };
      });
    },
    // Without a scope, any lock on the dir and workspace (whole or one named project's): a drift
    // apply or a preview refused there. With one, as scopesConflict: the whole dir's, or this scope's.
    async lockOn(repo, dir, workspace, scope) {
      const row = await db.get<LockRow>(
        `SELECT * FROM locks WHERE repo = ? AND dir = ? AND workspace = ?
         AND (CAST(? AS TEXT) IS NULL OR scope = '' OR ? = '' OR scope = ?) ORDER BY created_at LIMIT 1`,
        [repo, dir, workspace, scope ?? null, scope ?? null, scope ?? null],
      );
      return row ? records.toLock(row) : undefined;
    },
  };
}

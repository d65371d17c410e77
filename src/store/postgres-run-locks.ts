import type pg from "pg";
import { KeyedMutex } from "../util/keyed-mutex.js";
import { advisoryKey } from "./advisory-key.js";

/**
 * Cross-process run locks: a session-level advisory lock per key, held on one connection for the
 * duration of `fn`. If the process dies, its session ends and the database releases the lock, so
 * a crash never leaves a project blocked.
 *
 * Callers in this process queue on an in-process mutex first, so N waiters for one key hold one
 * connection, not N. Lock sessions come from their own pool: a waiter blocked on another replica's
 * lock must never take the connection a lock holder needs to save its plan, or two replicas could
 * wait on each other for ever.
 */
export class PostgresRunLocks {
  private readonly local = new KeyedMutex();

  constructor(private readonly sessions: pg.Pool) {}

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.local.run(key, () => this.hold(key, fn));
  }

  private async hold<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lockKey = advisoryKey("run", key);
    const client = await this.sessions.connect();
    // A checked-out client has no error listener of the pool's: without ours, a dropped connection
    // while `fn` runs would crash the process. The lock is gone with the session either way.
    let lost: Error | undefined;
    const onError = (e: Error) => {
      lost = e;
    };
    client.on("error", onError);
    try {
      await client.query("SELECT pg_advisory_lock($1::bigint)", [lockKey]);
    } catch (e) {
      client.removeListener("error", onError);
      client.release(e as Error);
      throw e;
    }
    try {
      return await fn();
    } finally {
      let broken = lost;
      if (!broken) {
        try {
          const r = await client.query<{ ok: boolean }>("SELECT pg_advisory_unlock($1::bigint) AS ok", [lockKey]);
          if (!r.rows[0]?.ok) broken = new Error(`run lock ${key} was not held at release`);
        } catch (e) {
          broken = e as Error;
        }
      }
      client.removeListener("error", onError);
      // Destroying the client ends its session, which releases anything it still holds.
      client.release(broken);
    }
  }
}

import type pg from "pg";
import { advisoryKey } from "./advisory-key.js";
import type { AuditOutboxStore } from "./audit-outbox-store.js";

/**
 * A sink is delivered by whichever replica holds its session advisory lock; the lock goes with the
 * connection, so a replica that dies frees it at once.
 */
export function postgresAuditSink(pool: pg.Pool): AuditOutboxStore["withAuditSink"] {
  return async (sink, fn) => {
    const key = advisoryKey("audit", sink);
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      const got = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [key]);
      if (!got.rows[0]?.ok) return { claimed: false };
      try {
        return { claimed: true, value: await fn() };
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [key]).catch((e: Error) => {
          // A connection that cannot unlock is closed, which unlocks.
          broken = e;
        });
      }
    } finally {
      client.release(broken);
    }
  };
}

import type pg from "pg";
import { advisoryKey } from "./advisory-key.js";
import { type AuditOutboxStore, type DeliveryRow, toDelivery } from "./audit-outbox-store.js";
import { type AuditRow, toAudit } from "./postgres-rows.js";
import { inTransaction } from "./db/postgres-transaction.js";

/**
 * The outbox of the shared store. A sink is delivered by whichever replica holds its session
 * advisory lock; the lock goes with the connection, so a replica that dies frees it at once.
 */
export function postgresAuditOutboxMethods(pool: pg.Pool): AuditOutboxStore {
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await pool.query<R>(text, values)).rows;
  const advanceSql = "UPDATE audit_sinks SET delivered_up_to = GREATEST(delivered_up_to, $2), updated_at = now() WHERE sink = $1";

  return {
    async withAuditSink(sink, fn) {
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
    },
    async auditSinkCursor(sink, start) {
      const known = await query<{ delivered_up_to: number }>("SELECT delivered_up_to FROM audit_sinks WHERE sink = $1", [sink]);
      if (known[0]) return known[0].delivered_up_to;
      await query(
        `INSERT INTO audit_sinks (sink, delivered_up_to)
         SELECT $1, CASE WHEN $2 = 'latest' THEN COALESCE((SELECT MAX(id) FROM audit_events), 0) ELSE 0 END
         ON CONFLICT (sink) DO NOTHING`,
        [sink, start],
      );
      const rows = await query<{ delivered_up_to: number }>("SELECT delivered_up_to FROM audit_sinks WHERE sink = $1", [sink]);
      return rows[0]?.delivered_up_to ?? 0;
    },
    async auditEventsAfter(afterId, limit) {
      return (await query<AuditRow>("SELECT * FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2", [afterId, limit])).map(toAudit);
    },
    async auditEvent(id) {
      const row = (await query<AuditRow>("SELECT * FROM audit_events WHERE id = $1", [id]))[0];
      return row ? toAudit(row) : undefined;
    },
    async recordAuditAttempt(sink, eventId, o, moveCursor) {
      await inTransaction(pool, async (c) => {
        await c.query(
          `INSERT INTO audit_deliveries (sink, event_id, status, status_code, attempts, last_error)
           VALUES ($1, $2, $3, $4, 1, $5)
           ON CONFLICT (sink, event_id) DO UPDATE SET status = excluded.status, status_code = excluded.status_code,
             attempts = audit_deliveries.attempts + 1, last_error = excluded.last_error, last_attempt_at = now(),
             redeliver = CASE WHEN excluded.status = 'delivered' THEN false ELSE audit_deliveries.redeliver END`,
          [sink, eventId, o.ok ? "delivered" : "failing", o.statusCode ?? null, o.error ?? null],
        );
        if (o.ok && moveCursor) await c.query(advanceSql, [sink, eventId]);
      });
    },
    async advanceAuditSink(sink, eventId) {
      await query(advanceSql, [sink, eventId]);
    },
    async auditDeliveries({ sink, limit = 200 }) {
      return (
        await query<DeliveryRow>(
          `SELECT d.*, e.action, e.repo, e.project FROM audit_deliveries d JOIN audit_events e ON e.id = d.event_id
           WHERE ($1::text IS NULL OR d.sink = $1) ORDER BY d.last_attempt_at DESC, d.event_id DESC LIMIT $2`,
          [sink ?? null, limit],
        )
      ).map(toDelivery);
    },
    async requestAuditRedelivery(sink, eventId) {
      const r = await pool.query("UPDATE audit_deliveries SET redeliver = true WHERE sink = $1 AND event_id = $2", [sink, eventId]);
      return (r.rowCount ?? 0) > 0;
    },
    async auditRedeliveries(sink) {
      return (
        await query<{ event_id: number }>("SELECT event_id FROM audit_deliveries WHERE sink = $1 AND redeliver ORDER BY event_id", [sink])
      ).map((r) => r.event_id);
    },
  };
}

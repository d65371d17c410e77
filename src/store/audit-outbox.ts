import { type AuditOutboxStore, type DeliveryRow, toDelivery } from "./audit-outbox-store.js";
import { type AuditRow, records } from "./record-rows.js";
import { type StoreDriver, now } from "./store-driver.js";

const ADVANCE =
  "UPDATE audit_sinks SET delivered_up_to = CASE WHEN delivered_up_to < ? THEN ? ELSE delivered_up_to END, updated_at = ? WHERE sink = ?";

/** The outbox over audit_events: per sink, the id up to which every event was delivered, and a log of attempts. */
export function auditOutbox(driver: StoreDriver): AuditOutboxStore {
  const { db } = driver;
  return {
    withAuditSink: driver.withAuditSink,
    async auditSinkCursor(sink, start) {
      // Read first: asked every poll, and a write would take the embedded file's write lock.
      const known = await db.get<{ delivered_up_to: number }>("SELECT delivered_up_to FROM audit_sinks WHERE sink = ?", [sink]);
      if (known) return known.delivered_up_to;
      return db.tx(function* (t) {
        const latest = yield* t.get<{ id: number }>("SELECT COALESCE(MAX(id), 0) AS id FROM audit_events");
        yield* t.run("INSERT INTO audit_sinks (sink, delivered_up_to, updated_at) VALUES (?, ?, ?) ON CONFLICT (sink) DO NOTHING", [
          sink,
          start === "latest" ? (latest?.id ?? 0) : 0,
          now(),
        ]);
        const row = yield* t.get<{ delivered_up_to: number }>("SELECT delivered_up_to FROM audit_sinks WHERE sink = ?", [sink]);
        return row?.delivered_up_to ?? 0;
      });
    },
    async auditEventsAfter(afterId, limit) {
      return (await db.all<AuditRow>("SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT ?", [afterId, limit])).map(records.toAudit);
    },
    async auditEvent(id) {
      const row = await db.get<AuditRow>("SELECT * FROM audit_events WHERE id = ?", [id]);
      return row ? records.toAudit(row) : undefined;
    },
    async recordAuditAttempt(sink, eventId, o, moveCursor) {
      await db.tx(function* (t) {
        const at = now();
        yield* t.run(
          `INSERT INTO audit_deliveries (sink, event_id, status, status_code, attempts, last_error, redeliver, first_attempt_at, last_attempt_at)
           VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)
           ON CONFLICT (sink, event_id) DO UPDATE SET status = excluded.status, status_code = excluded.status_code,
             attempts = audit_deliveries.attempts + 1, last_error = excluded.last_error, last_attempt_at = excluded.last_attempt_at,
             redeliver = CASE WHEN excluded.status = 'delivered' THEN excluded.redeliver ELSE audit_deliveries.redeliver END`,
          [sink, eventId, o.ok ? "delivered" : "failing", o.statusCode ?? null, o.error ?? null, false, at, at],
        );
        if (o.ok && moveCursor) yield* t.run(ADVANCE, [eventId, eventId, at, sink]);
      });
    },
    async advanceAuditSink(sink, eventId) {
      await db.run(ADVANCE, [eventId, eventId, now(), sink]);
    },
    async auditDeliveries({ sink, limit = 200 }) {
      const rows = await db.all<DeliveryRow>(
        `SELECT d.*, e.action, e.repo, e.project FROM audit_deliveries d JOIN audit_events e ON e.id = d.event_id
         WHERE (CAST(? AS TEXT) IS NULL OR d.sink = ?) ORDER BY d.last_attempt_at DESC, d.event_id DESC LIMIT ?`,
        [sink ?? null, sink ?? null, limit],
      );
      return rows.map(toDelivery);
    },
    async requestAuditRedelivery(sink, eventId) {
      return (await db.run("UPDATE audit_deliveries SET redeliver = ? WHERE sink = ? AND event_id = ?", [true, sink, eventId])).changes > 0;
    },
    async auditRedeliveries(sink) {
      const rows = await db.all<{ event_id: number }>(
        "SELECT event_id FROM audit_deliveries WHERE sink = ? AND redeliver ORDER BY event_id",
        [sink],
      );
      return rows.map((r) => r.event_id);
    },
  };
}

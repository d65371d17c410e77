import type Database from "better-sqlite3";
import { type AuditOutboxStore, type DeliveryRow, toDelivery } from "./audit-outbox-store.js";
import type * as rows from "./record-rows.js";
import { type Lite, sqliteRecords } from "./sqlite-rows.js";
import { writeTransaction } from "./sqlite-write-tx.js";

/** The outbox of the embedded store: one process per data dir, so the claim is this process's own. */
export function sqliteAuditOutboxMethods(db: Database.Database): AuditOutboxStore {
  const now = () => new Date().toISOString();
  const held = new Set<string>();

  const cursorTx = writeTransaction(db, (sink: string, start: "first" | "latest") => {
    const at = start === "latest" ? (db.prepare("SELECT COALESCE(MAX(id), 0) AS id FROM audit_events").get() as { id: number }).id : 0;
    db.prepare("INSERT OR IGNORE INTO audit_sinks (sink, delivered_up_to, updated_at) VALUES (?, ?, ?)").run(sink, at, now());
    return (db.prepare("SELECT delivered_up_to FROM audit_sinks WHERE sink = ?").get(sink) as { delivered_up_to: number }).delivered_up_to;
  });
  const advance = db.prepare("UPDATE audit_sinks SET delivered_up_to = MAX(delivered_up_to, ?), updated_at = ? WHERE sink = ?");
  const attemptTx = writeTransaction(
    db,
    (sink: string, eventId: number, o: { ok: boolean; statusCode?: number; error?: string }, moveCursor: boolean) => {
      const t = now();
      db.prepare(
        `INSERT INTO audit_deliveries (sink, event_id, status, status_code, attempts, last_error, redeliver, first_attempt_at, last_attempt_at)
         VALUES (@sink, @eventId, @status, @code, 1, @error, 0, @t, @t)
         ON CONFLICT (sink, event_id) DO UPDATE SET status = excluded.status, status_code = excluded.status_code,
           attempts = attempts + 1, last_error = excluded.last_error, last_attempt_at = excluded.last_attempt_at,
           redeliver = CASE WHEN excluded.status = 'delivered' THEN 0 ELSE redeliver END`,
      ).run({ sink, eventId, status: o.ok ? "delivered" : "failing", code: o.statusCode ?? null, error: o.error ?? null, t });
      if (o.ok && moveCursor) advance.run(eventId, t, sink);
    },
  );

  return {
    async withAuditSink(sink, fn) {
      if (held.has(sink)) return { claimed: false };
      held.add(sink);
      try {
        return { claimed: true, value: await fn() };
      } finally {
        held.delete(sink);
      }
    },
    async auditSinkCursor(sink, start) {
      // Read first: asked every poll, and a write transaction would take the file's write lock.
      const row = db.prepare("SELECT delivered_up_to FROM audit_sinks WHERE sink = ?").get(sink) as { delivered_up_to: number } | undefined;
      return row ? row.delivered_up_to : cursorTx(sink, start);
    },
    async auditEventsAfter(afterId, limit) {
      return (db.prepare("SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT ?").all(afterId, limit) as rows.AuditRow<Lite>[]).map(
        sqliteRecords.toAudit,
      );
    },
    async auditEvent(id) {
      const row = db.prepare("SELECT * FROM audit_events WHERE id = ?").get(id) as rows.AuditRow<Lite> | undefined;
      return row ? sqliteRecords.toAudit(row) : undefined;
    },
    async recordAuditAttempt(sink, eventId, outcome, moveCursor) {
      attemptTx(sink, eventId, outcome, moveCursor);
    },
    async advanceAuditSink(sink, eventId) {
      advance.run(eventId, now(), sink);
    },
    async auditDeliveries({ sink, limit = 200 }) {
      return (
        db
          .prepare(
            `SELECT d.*, e.action, e.repo, e.project FROM audit_deliveries d JOIN audit_events e ON e.id = d.event_id
             WHERE (@sink IS NULL OR d.sink = @sink) ORDER BY d.last_attempt_at DESC, d.event_id DESC LIMIT @limit`,
          )
          .all({ sink: sink ?? null, limit }) as DeliveryRow[]
      ).map(toDelivery);
    },
    async requestAuditRedelivery(sink, eventId) {
      return db.prepare("UPDATE audit_deliveries SET redeliver = 1 WHERE sink = ? AND event_id = ?").run(sink, eventId).changes > 0;
    },
    async auditRedeliveries(sink) {
      return (
        db.prepare("SELECT event_id FROM audit_deliveries WHERE sink = ? AND redeliver = 1 ORDER BY event_id").all(sink) as {
          event_id: number;
        }[]
      ).map((r) => r.event_id);
    },
  };
}

import type { ConsoleStore } from "./console-store.js";
import { type AuditRow, records } from "./record-rows.js";
import { type StoreDriver, now } from "./store-driver.js";

export type AuditTrail = Pick<ConsoleStore, "recordAudit" | "auditEvents">;

/** The audit trail: every decision and action, appended in id order, read back newest first. */
export function auditTrail({ db }: StoreDriver): AuditTrail {
  return {
    async recordAudit(e) {
      // Inserts take turns so that ids commit in order: the audit stream reads by id, and an id
      // that committed after a larger one would be passed over (see audit-outbox-store.ts).
      return db.tx(function* (t) {
        yield* t.serialize("audit", "append");
        const row = yield* t.get<{ id: number }>(
          "INSERT INTO audit_events (at, actor, action, repo, project, pr, detail) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
          [now(), e.actor, e.action, e.repo ?? null, e.project ?? null, e.pr ?? null, e.detail],
        );
        return row?.id as number;
      });
    },
    async auditEvents({ repo, action, actor, limit = 500, beforeId }) {
      const rows = await db.all<AuditRow>(
        `SELECT * FROM audit_events
         WHERE (CAST(? AS TEXT) IS NULL OR repo = ?) AND (CAST(? AS TEXT) IS NULL OR action = ?) AND (CAST(? AS TEXT) IS NULL OR lower(actor) = lower(?))
           AND (CAST(? AS BIGINT) IS NULL OR id < ?)
         ORDER BY id DESC LIMIT ?`,
        [
          repo ?? null,
          repo ?? null,
          action ?? null,
          action ?? null,
          actor ?? null,
          actor ?? null,
          beforeId ?? null,
          beforeId ?? null,
          limit,
        ],
      );
      return rows.map(records.toAudit);
    },
  };
}

import type { AuditEvent } from "./console-store.js";

/** A delivery-log row joined with its event, as either database returns it. */
export interface DeliveryRow {
  sink: string;
  event_id: number;
  status: AuditDelivery["status"];
  status_code: number | null;
  attempts: number;
  last_error: string | null;
  redeliver: number | boolean;
  first_attempt_at: string | Date;
  last_attempt_at: string | Date;
  action: string;
  repo: string | null;
  project: string | null;
}

const iso = (t: string | Date) => (typeof t === "string" ? t : t.toISOString());

export function toDelivery(r: DeliveryRow): AuditDelivery {
  return {
    sink: r.sink,
    eventId: Number(r.event_id),
    action: r.action,
    repo: r.repo ?? undefined,
    project: r.project ?? undefined,
    status: r.status,
    statusCode: r.status_code ?? undefined,
    attempts: r.attempts,
    lastError: r.last_error ?? undefined,
    redeliver: r.redeliver === true || r.redeliver === 1,
    firstAttemptAt: iso(r.first_attempt_at),
    lastAttemptAt: iso(r.last_attempt_at),
  };
}

/** One event's delivery to one sink (the audit stream or a notification): the console's delivery log. */
export interface AuditDelivery {
  sink: string;
  eventId: number;
  action: string;
  repo?: string;
  project?: string;
  status: "delivered" | "failing";
  /** The receiver's last HTTP status; absent when it could not be reached. */
  statusCode?: number;
  attempts: number;
  lastError?: string;
  /** An admin asked for it to be sent again. */
  redeliver: boolean;
  firstAttemptAt: string;
  lastAttemptAt: string;
}

export interface AttemptOutcome {
  ok: boolean;
  statusCode?: number;
  error?: string;
}

/**
 * The outbox over `audit_events`: per sink, the id up to which every event was delivered, and a
 * log of attempts. Events are read by id, which increases in commit order (the adapters see to
 * it), so a sink that delivers them in id order delivers each project's events in order.
 */
export interface AuditOutboxStore {
  /**
   * Runs `fn` as the only deliverer of `sink` among all replicas; `{ claimed: false }` at once when
   * another one is delivering it now.
   */
  withAuditSink<T>(sink: string, fn: () => Promise<T>): Promise<{ claimed: true; value: T } | { claimed: false }>;
  /** The id up to which `sink` delivered; a sink seen for the first time starts before the first event, or at the latest. */
  auditSinkCursor(sink: string, start: "first" | "latest"): Promise<number>;
  /** Events after `afterId`, oldest first. */
  auditEventsAfter(afterId: number, limit: number): Promise<AuditEvent[]>;
  auditEvent(id: number): Promise<AuditEvent | undefined>;
  /**
   * Logs an attempt; when it succeeded and `advance`, moves the sink's cursor to the event in the
   * same transaction (a redelivery does not move it).
   */
  recordAuditAttempt(sink: string, eventId: number, outcome: AttemptOutcome, advance: boolean): Promise<void>;
  /** Moves the cursor past an event the sink does not take (a notification for other repos). */
  advanceAuditSink(sink: string, eventId: number): Promise<void>;
  /** The delivery log, latest attempt first. */
  auditDeliveries(filter: { sink?: string; limit?: number }): Promise<AuditDelivery[]>;
  /** Asks for a logged delivery to be sent again; false when there is no such delivery. */
  requestAuditRedelivery(sink: string, eventId: number): Promise<boolean>;
  /** Events of `sink` an admin asked to send again, oldest first. */
  auditRedeliveries(sink: string): Promise<number[]>;
}

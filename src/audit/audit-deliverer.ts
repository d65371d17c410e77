import type { AttemptOutcome, AuditOutboxStore } from "../store/audit-outbox-store.js";
import { type AuditPayload, auditPayload } from "./audit-payload.js";
import type { AuditSink } from "./audit-sinks.js";
import { postEvent } from "./post-event.js";
import { signBody } from "./sign-body.js";
import { errorMessage } from "../util/errors.js";

export interface DelivererOptions {
  store: AuditOutboxStore;
  sinks: AuditSink[];
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** How often a sink with nothing to send looks for new events (default 1 s). */
  pollMs?: number;
  /** First wait after a failed attempt; it doubles with each failure in a row, up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  timeoutMs?: number;
  post?: typeof postEvent;
}

type Round = "idle" | "more" | "failed";
const BATCH = 100;

/** The wait before the next attempt after `failures` failed rounds in a row. */
export function retryDelay(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
}

/**
 * Delivers audit events to each sink, in id order (so in order per project), at least once: a
 * sink's cursor moves only past an event its receiver accepted, and a failure is retried with
 * backoff before any later event is sent. Runs beside the app's work and never holds it up:
 * events are read from the store after they were recorded.
 */
export function startAuditDeliverer(opts: DelivererOptions): { wake(): void; stop(): Promise<void> } {
  const { store, log } = opts;
  const pollMs = opts.pollMs ?? 1_000;
  const baseMs = opts.retryBaseMs ?? 1_000;
  const maxMs = opts.retryMaxMs ?? Math.max(baseMs, 5 * 60_000);
  const post = opts.post ?? postEvent;
  const stopping = new AbortController();
  const sleepers = new Set<() => void>();

  const sleep = (ms: number, wakeable: boolean) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        stopping.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (wakeable) sleepers.add(done);
      stopping.signal.addEventListener("abort", done);
    });

  async function send(sink: AuditSink, e: AuditPayload, redelivery: boolean): Promise<boolean> {
    const body = sink.body(e);
    const headers: Record<string, string> = { "x-sluice-event": e.action, "x-sluice-delivery": `${sink.name}:${e.id}` };
    if (sink.secret) headers["x-sluice-signature-256"] = signBody(sink.secret, body);
    if (redelivery) headers["x-sluice-redelivery"] = "true";
    const outcome: AttemptOutcome = await post(sink.url, body, headers, { timeoutMs: opts.timeoutMs ?? 10_000, signal: stopping.signal });
    if (stopping.signal.aborted && !outcome.ok) return false;
    await store.recordAuditAttempt(sink.name, e.id, outcome, !redelivery);
    if (!outcome.ok) log.warn({ sink: sink.label, event: e.id, error: outcome.error }, "audit event not delivered; retrying");
    return outcome.ok;
  }

  async function round(sink: AuditSink): Promise<Round> {
    for (const id of await store.auditRedeliveries(sink.name)) {
      const e = await store.auditEvent(id);
      if (e && !(await send(sink, auditPayload(e), true))) return "failed";
    }
    const cursor = await store.auditSinkCursor(sink.name, sink.start);
    const events = await store.auditEventsAfter(cursor, BATCH);
    for (const e of events) {
      if (stopping.signal.aborted) return "idle";
      const payload = auditPayload(e);
      if (!sink.accepts(payload)) {
        await store.advanceAuditSink(sink.name, e.id);
        continue;
      }
      if (!(await send(sink, payload, false))) return "failed";
    }
    return events.length === BATCH ? "more" : "idle";
  }

  async function run(sink: AuditSink) {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let outcome: Round;
      try {
        const r = await store.withAuditSink(sink.name, () => round(sink));
        // Another replica delivers this sink now: look again later, in case it stops.
        outcome = r.claimed ? r.value : "idle";
      } catch (e) {
        log.warn({ sink: sink.label, err: errorMessage(e) }, "audit delivery round failed");
        outcome = "failed";
      }
      if (outcome === "more") {
        failures = 0;
        continue;
      }
      failures = outcome === "failed" ? failures + 1 : 0;
      await sleep(outcome === "failed" ? retryDelay(failures, baseMs, maxMs) : pollMs, outcome === "idle");
    }
  }

  const loops = opts.sinks.map((s) => run(s));
  if (opts.sinks.length) log.info({ sinks: opts.sinks.map((s) => s.label) }, "audit delivery started");
  return {
    wake() {
      for (const w of [...sleepers]) w();
    },
    async stop() {
      stopping.abort();
      await Promise.all(loops);
    },
  };
}

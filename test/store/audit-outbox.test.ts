import pg from "pg";
import { expect, it, vi } from "vitest";
import { startAuditDeliverer } from "../../src/audit/audit-deliverer.js";
import { AUDIT_STREAM_SINK, auditSinks } from "../../src/audit/audit-sinks.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import { advisoryKey } from "../../src/store/advisory-key.js";
import type { AttemptOutcome } from "../../src/store/audit-outbox-store.js";
import type { PostgresStore } from "../../src/store/postgres-store.js";
import { postgresSuite, replicaStores } from "../support/postgres-replicas.js";

const quiet = { info() {}, warn() {} };
const replicas = replicaStores();
const stores = replicas.stores;

postgresSuite("the audit outbox on PostgreSQL with two replicas", () => {
  it("delivers each event once, in id order, while both replicas record events at once", async () => {
    const [a, b] = stores as [PostgresStore, PostgresStore];
    const sent: { replica: string; id: number }[] = [];
    const config = parseServerConfig("audit_stream: {url: 'http://127.0.0.1:1/audit', secret: 'k'}\n");
    const deliverers = stores.map((store, i) =>
      startAuditDeliverer({
        store,
        sinks: auditSinks(config),
        log: quiet,
        pollMs: 2,
        retryBaseMs: 2,
        post: async (_url, body): Promise<AttemptOutcome> => {
          sent.push({ replica: String(i), id: (JSON.parse(body) as { id: number }).id });
          // A slow receiver widens the window in which the other replica could send the same event.
          await new Promise((r) => setTimeout(r, 1));
          return { ok: true, statusCode: 200 };
        },
      }),
    );
    const ids: number[] = [];
    try {
      const record = (s: PostgresStore, i: number) =>
        s.recordAudit({ actor: "alice", action: "gate-allowed", repo: "acme/infra", project: `p${i % 3}`, detail: "road: comment" });
      for (let round = 0; round < 10; round++) {
        ids.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => record(i % 2 ? a : b, i)))));
      }
      await vi.waitFor(() => expect(new Set(sent.map((s) => s.id)).size).toBe(ids.length), { timeout: 60_000 });
    } finally {
      await Promise.all(deliverers.map((d) => d.stop()));
    }
    const order = sent.map((s) => s.id);
    expect(order).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(sent.map((s) => s.replica)).size).toBeGreaterThanOrEqual(1);
    expect(await a.auditSinkCursor(AUDIT_STREAM_SINK, "first")).toBe(Math.max(...ids));
  });

  it("lets one replica hold a sink at a time, and the other take it when it lets go", async () => {
    const [a, b] = stores as [PostgresStore, PostgresStore];
    let release = () => {};
    let holding = false;
    // `a` takes the sink and keeps it until released (asked again if `b` happened to hold it first).
    const held = (async () => {
      for (;;) {
        const got = await a.withAuditSink(
          "claim-test",
          () =>
            new Promise<void>((r) => {
              holding = true;
              release = r;
            }),
        );
        if (got.claimed) return;
      }
    })();
    await vi.waitFor(() => expect(holding).toBe(true), { timeout: 30_000, interval: 20 });
    expect(await b.withAuditSink("claim-test", async () => 1)).toEqual({ claimed: false });
    release();
    await held;
    expect(await b.withAuditSink("claim-test", async () => 2)).toEqual({ claimed: true, value: 2 });
  });

  it("commits events in id order, so the stream never passes over one that commits late", async () => {
    const [a] = stores as [PostgresStore];
    const sent: number[] = [];
    const config = parseServerConfig("audit_stream: {url: 'http://127.0.0.1:1/audit', secret: 'k'}\n");
    // Another replica's recordAudit, caught between its insert and its commit.
    const other = new pg.Client({ connectionString: replicas.url });
    await other.connect();
    await other.query("BEGIN");
    await other.query("SELECT pg_advisory_xact_lock($1)", [advisoryKey("audit", "append")]);
    const early = (
      await other.query<{ id: number }>(
        "INSERT INTO audit_events (actor, action, detail) VALUES ('bob', 'pause', 'in flight') RETURNING id",
      )
    ).rows[0]?.id as number;
    const deliverer = startAuditDeliverer({
      store: a,
      sinks: auditSinks(config),
      log: quiet,
      pollMs: 2,
      post: async (_url, body) => {
        sent.push((JSON.parse(body) as { id: number }).id);
        return { ok: true, statusCode: 200 };
      },
    });
    try {
      let recorded = false;
      const later = a.recordAudit({ actor: "alice", action: "resume", detail: "after" }).then((id) => {
        recorded = true;
        return id;
      });
      // It waits for the one in flight instead of committing a larger id first.
      await vi.waitFor(
        async () => {
          expect(recorded).toBe(false);
          const waiting = await other.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
          );
          expect(waiting.rows[0]?.n).toBe(1);
        },
        { timeout: 30_000 },
      );
      await other.query("COMMIT");
      const id = await later;
      expect(id).toBeGreaterThan(early);
      await vi.waitFor(() => expect(sent).toContain(id), { timeout: 30_000 });
      expect(sent.indexOf(early)).toBeGreaterThanOrEqual(0);
      expect(sent.indexOf(early)).toBeLessThan(sent.indexOf(id));
    } finally {
      await deliverer.stop();
      await other.end();
    }
  });
});

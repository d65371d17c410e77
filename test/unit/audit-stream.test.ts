import type { AuditAction } from "../../src/model/audit-action.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { retryDelay, startAuditDeliverer } from "../../src/audit/audit-deliverer.js";
import { auditPayload, auditPayloadSchema } from "../../src/audit/audit-payload.js";
import { createAppLogger } from "../../src/app/app-logger.js";
import { AUDIT_STREAM_SINK, auditSinks, matchesEvent } from "../../src/audit/audit-sinks.js";
import { signBody, verifySignature } from "../../src/audit/sign-body.js";
import { buildEventSchema, EVENT_SCHEMA_PATH } from "../../src/audit/write-event-schema.js";
import { ConfigError, parseServerConfig } from "../../src/config/server-config.js";
import type { AttemptOutcome } from "../../src/store/audit-outbox-store.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { schemaProblems } from "../support/json-schema-check.js";
import type { GateDecision, GatePass } from "../../src/gate/decide.js";
import { checkProtect } from "../../src/gate/plan-rule-checks.js";
import { recordDecision } from "../../src/gate/record-decision.js";

const quiet = { info() {}, warn() {} };

interface Received {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** A receiver in memory: answers 503 while `down`, records what it accepted. */
function fakeReceiver() {
  const r = {
    down: false,
    accepted: [] as Received[],
    refused: 0,
    async post(url: string, body: string, headers: Record<string, string>): Promise<AttemptOutcome> {
      if (r.down) {
        r.refused++;
        return { ok: false, statusCode: 503, error: "the receiver answered HTTP 503" };
      }
      r.accepted.push({ url, body, headers });
      return { ok: true, statusCode: 200 };
    },
  };
  return r;
}

const record = (store: Store, repo: string, project: string, action: AuditAction = "gate-allowed", detail = "road: comment") =>
  store.recordAudit({ actor: "alice", action, repo, project, pr: 1, detail });

describe("signing", () => {
  it("is GitHub's X-Hub-Signature-256 over the exact body (GitHub's published example)", () => {
    expect(signBody("It's a Secret to Everybody", "Hello, World!")).toBe(
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    );
    const sig = signBody("s3cret", '{"id":1}');
    expect(verifySignature("s3cret", '{"id":1}', sig)).toBe(true);
    expect(verifySignature("s3cret", '{"id":1} ', sig)).toBe(false);
    expect(verifySignature("other", '{"id":1}', sig)).toBe(false);
    expect(verifySignature("s3cret", '{"id":1}', undefined)).toBe(false);
  });
});

describe("the event", () => {
  it("reads the gate's road and rule back, and names its kinds", () => {
    const e = auditPayload({
      id: 7,
      at: "2026-11-01T10:00:00.000Z",
      actor: "bob",
      action: "gate-refused",
      repo: "acme/infra",
      project: "prod",
      pr: 3,
      detail: "road: comment; rule: lock; project prod is locked by #2",
    });
    expect(e).toMatchObject({ road: "comment", rule: "lock", kinds: ["refused", "lock-wait"] });
    expect(auditPayloadSchema.parse(e)).toEqual(e);
    expect(
      auditPayload({
        id: 9,
        at: "2026-11-01T10:00:00.000Z",
        actor: "bob",
        action: "gate-allowed",
        detail: "road: comment; approvers: carol, dan",
      }),
    ).toMatchObject({ road: "comment", approvers: ["carol", "dan"], kinds: ["apply"] });
    const pause = auditPayload({ id: 8, at: "2026-11-01T10:00:00.000Z", actor: "alice", action: "pause", detail: "freeze" });
    expect(pause).toEqual({ id: 8, at: "2026-11-01T10:00:00.000Z", actor: "alice", action: "pause", detail: "freeze", kinds: ["pause"] });
    const schema = JSON.parse(readFileSync(new URL(`../../${EVENT_SCHEMA_PATH}`, import.meta.url), "utf8"));
    expect(schemaProblems(schema, e)).toEqual([]);
    expect(schemaProblems(schema, { ...e, extra: 1 })).toEqual(["$.extra: not allowed"]);
  });

  it("has its JSON Schema checked in (run `npx tsx src/audit/write-event-schema.ts` after changes)", () => {
    expect(readFileSync(new URL(`../../${EVENT_SCHEMA_PATH}`, import.meta.url), "utf8")).toBe(buildEventSchema());
  });
});

describe("server config", () => {
  it("reads the stream's secret from the environment, and names a missing one", () => {
    process.env.SLUICE_TEST_AUDIT_SECRET = "from-env";
    const c = parseServerConfig("audit_stream: {url: 'https://audit.example/in', secret: 'env:SLUICE_TEST_AUDIT_SECRET'}\n");
    expect(c.audit_stream?.secret).toBe("from-env");
    expect(() => parseServerConfig("audit_stream: {url: 'https://a.example', secret: 'env:SLUICE_TEST_NO_SUCH'}\n")).toThrow(
      /audit_stream\.secret: the variable env:SLUICE_TEST_NO_SUCH is empty or missing/,
    );
    expect(() => parseServerConfig("notifications: [{match: '*', url: 'ftp://x', format: slack}]\n")).toThrow(ConfigError);
    const n = parseServerConfig("notifications: [{match: 'acme/*:prod', url: 'https://hooks.example/T1'}]\n").notifications;
    expect(n).toEqual([
      { match: "acme/*:prod", url: "https://hooks.example/T1", format: "slack", events: ["apply", "refused", "drift", "lock-wait"] },
    ]);
  });

  it("keeps the stream's key and the receivers' URLs out of everything logged or posted", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sluice-audit-redact-"));
    try {
      const config = parseServerConfig(
        "audit_stream: {url: 'https://audit.example/in?token=abc123def456', secret: 'hmac-key-0123456789'}\nnotifications: [{match: '*', url: 'https://hooks.slack.example/services/T000/B000/XXXXXXXXXXXX'}]\n",
      );
      const env = { appId: "1", privateKey: "k", webhookSecret: "w", port: 0, host: "127.0.0.1", logLevel: "silent", dataDir };
      const { logRedact } = createAppLogger(env, config);
      const out = logRedact("hmac-key-0123456789 https://hooks.slack.example/services/T000/B000/XXXXXXXXXXXX");
      expect(out).not.toContain("hmac-key-0123456789");
      expect(out).not.toContain("XXXXXXXXXXXX");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("gives each receiver a progress of its own, identical entries too", () => {
    const entry = "{match: '*', url: 'https://hooks.example/T1'}";
    const sinks = auditSinks(
      parseServerConfig(`audit_stream: {url: 'https://a.example', secret: 'k'}\nnotifications: [${entry}, ${entry}]\n`),
    );
    expect(new Set(sinks.map((s) => s.name)).size).toBe(3);
    expect(sinks.map((s) => s.label)).toEqual([
      "audit stream (a.example)",
      "notification 1 (*, slack, hooks.example)",
      "notification 2 (*, slack, hooks.example)",
    ]);
  });

  it("matches REPO_GLOB[:PROJECT_GLOB]; server-wide events concern every repo", () => {
    expect(matchesEvent("acme/*", { repo: "acme/infra", project: "prod" })).toBe(true);
    expect(matchesEvent("acme/*:prod", { repo: "ACME/infra", project: "prod" })).toBe(true);
    expect(matchesEvent("acme/*:prod", { repo: "acme/infra", project: "staging" })).toBe(false);
    expect(matchesEvent("other/*", { repo: "acme/infra", project: "prod" })).toBe(false);
    expect(matchesEvent("other/*", {})).toBe(true);
  });

  it("a REPO_GLOB covers a repository whose name starts with a dot, as every rule's repository glob does", () => {
    // acme/* gives acme/.infra its credentials and policy checks (repoGlobMatches): its applies'
    // notifications go where acme/*'s do.
    expect(matchesEvent("acme/*", { repo: "acme/.infra", project: "prod" })).toBe(true);
    expect(matchesEvent("acme/*:prod", { repo: "acme/.infra", project: "prod" })).toBe(true);
    // Control: another owner's dot repository is not covered.
    expect(matchesEvent("acme/*", { repo: "other/.infra", project: "prod" })).toBe(false);
  });
});

describe("delivery", () => {
  it("waits twice as long after each failure in a row, up to a cap", () => {
    expect([1, 2, 3, 4, 10].map((n) => retryDelay(n, 100, 1000))).toEqual([100, 200, 400, 800, 1000]);
  });

  it("loses no event and reorders none while the receiver is down, then catches up; each body is signed", async () => {
    const store = openSqliteStore(":memory:");
    const receiver = fakeReceiver();
    const config = parseServerConfig("audit_stream: {url: 'http://127.0.0.1:1/audit', secret: 'k3y'}\n");
    const deliverer = startAuditDeliverer({
      store,
      sinks: auditSinks(config),
      log: quiet,
      pollMs: 10,
      retryBaseMs: 5,
      retryMaxMs: 20,
      post: receiver.post,
    });
    try {
      for (let i = 0; i < 3; i++) await record(store, "acme/a", "net");
      await vi.waitFor(() => expect(receiver.accepted).toHaveLength(3), { timeout: 10_000 });
      receiver.down = true;
      for (let i = 0; i < 20; i++) await record(store, i % 2 ? "acme/a" : "acme/b", i % 3 ? "net" : "db");
      await vi.waitFor(() => expect(receiver.refused).toBeGreaterThan(3), { timeout: 10_000 });
      receiver.down = false;
      await vi.waitFor(() => expect(receiver.accepted).toHaveLength(23), { timeout: 10_000 });
    } finally {
      await deliverer.stop();
    }
    const ids = receiver.accepted.map((r) => (JSON.parse(r.body) as { id: number }).id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(23);
    for (const r of receiver.accepted) {
      expect(verifySignature("k3y", r.body, r.headers["x-sluice-signature-256"])).toBe(true);
      expect(r.headers["x-sluice-event"]).toBe("gate-allowed");
    }
    const log = await store.auditDeliveries({ sink: AUDIT_STREAM_SINK });
    const first = log.find((d) => d.eventId === ids[3]);
    expect(first).toMatchObject({ status: "delivered", statusCode: 200 });
    expect(first?.attempts).toBeGreaterThan(1);
    expect(await store.auditSinkCursor(AUDIT_STREAM_SINK, "first")).toBe(ids.at(-1));
    await store.close();
  });

  it("notifies only matching events from its start on, in Slack's format, and redelivers on request", async () => {
    const store = openSqliteStore(":memory:");
    const receiver = fakeReceiver();
    await record(store, "acme/infra", "prod", "gate-refused", "road: comment; rule: lock; locked by #2");
    const config = parseServerConfig(
      "audit_stream: {url: 'http://127.0.0.1:1/audit', secret: 'k'}\nnotifications: [{match: 'acme/infra:prod', url: 'http://127.0.0.1:1/slack', events: [lock-wait, apply]}]\n",
    );
    const deliverer = startAuditDeliverer({
      store,
      sinks: auditSinks(config),
      log: quiet,
      pollMs: 10,
      retryBaseMs: 5,
      post: receiver.post,
    });
    const to = (path: string) => receiver.accepted.filter((r) => r.url.endsWith(path));
    try {
      await vi.waitFor(() => expect(to("/audit")).toHaveLength(1), { timeout: 10_000 });
      await record(store, "acme/infra", "staging", "gate-refused", "road: comment; rule: lock; locked by #4");
      await record(store, "acme/infra", "prod", "gate-refused", "road: merge; rule: requirements; not approved");
      const waits = await record(store, "acme/infra", "prod", "gate-refused", "road: comment; rule: lock; locked by #5");
      await vi.waitFor(() => expect(to("/audit")).toHaveLength(4), { timeout: 10_000 });
      await vi.waitFor(() => expect(to("/slack")).toHaveLength(1), { timeout: 10_000 });
      const slack = JSON.parse(to("/slack")[0]?.body ?? "{}") as { text: string; blocks: unknown[] };
      expect(slack.text).toBe("⏳ acme/infra prod #1 waits for its lock (alice): road: comment; rule: lock; locked by #5");
      expect(slack.blocks).toHaveLength(2);
      expect(to("/slack")[0]?.headers["x-sluice-signature-256"]).toBeUndefined();

      expect(await store.requestAuditRedelivery(AUDIT_STREAM_SINK, waits)).toBe(true);
      expect(await store.requestAuditRedelivery(AUDIT_STREAM_SINK, 999)).toBe(false);
      deliverer.wake();
      await vi.waitFor(() => expect(to("/audit")).toHaveLength(5), { timeout: 10_000 });
      expect(to("/audit")[4]?.headers["x-sluice-redelivery"]).toBe("true");
      expect((JSON.parse(to("/audit")[4]?.body ?? "{}") as { id: number }).id).toBe(waits);
    } finally {
      await deliverer.stop();
    }
    expect(await store.auditRedeliveries(AUDIT_STREAM_SINK)).toEqual([]);
    await store.close();
  });
});

describe("fields read back from a gate decision's text", () => {
  // A resource address is the PR's: a `for_each` key is any string, so it may hold "; approvers: …".
  const forged = 'aws_s3_bucket.logs["x; approvers: ceo, cfo; y"]';
  const content = {
    empty: false,
    counts: { create: 0, update: 0, delete: 1, replace: 0, read: 0, forget: 0 },
    changes: 1,
    destroys: [{ address: forged, type: "aws_s3_bucket" }],
    replaces: [],
    moves: [],
    types: ["aws_s3_bucket"],
    onlyTags: false,
    outputs: [],
    destroyPlan: false,
  };
  const rules = { protect: [{ pattern: "aws_s3_bucket.*", source: "server" }], owners: ["olga"] };
  const who = { road: "comment" as const, repo: "acme/infra", project: "prod", number: 3, actor: "bob" };
  const streamed = async (planRules: Parameters<typeof recordDecision>[1]["planRules"], decision: GateDecision) => {
    let detail = "";
    const store = {
      recordAudit: async (e: { detail: string }) => {
        detail = e.detail;
        return 1;
      },
    };
    await recordDecision(store, { ...who, planRules }, decision);
    const action = decision.allowed ? "gate-allowed" : "gate-refused";
    return { detail, e: auditPayload({ id: 1, at: "2026-11-01T10:00:00.000Z", actor: "bob", action, repo: "acme/infra", detail }) };
  };

  it("an apply nobody approved is not streamed with approvers a resource address names (control: counted ones are)", async () => {
    // An owner's override of the protected destroy: allowed, with no approval requirement, no approver.
    const planRules = { content, rules, overrideProtect: { by: "olga", reason: "retire the bucket", owner: true } };
    expect(checkProtect(planRules).allowed).toBe(true);
    const allowed = await streamed(planRules, { allowed: true, pass: { approvers: [] } as unknown as GatePass, road: "comment" });
    expect(allowed.detail).toContain("approvers: ceo, cfo");
    expect(allowed.e.action).toBe("gate-allowed");
    expect(allowed.e.approvers).toBeUndefined();
    // A refusal lists the address in its reasons: no approvers either.
    const refusedRules = { content, rules };
    const refusal = checkProtect(refusedRules);
    if (refusal.allowed) throw new Error("the protected destroy was not refused");
    const refused = await streamed(refusedRules, { allowed: false, rule: "protect", reasons: refusal.reasons, road: "comment" });
    expect(refused.e).toMatchObject({ action: "gate-refused", rule: "protect" });
    expect(refused.e.approvers).toBeUndefined();
    // Control: the approvers the gate counted are read back.
    const counted = auditPayload({
      id: 2,
      at: "2026-11-01T10:00:00.000Z",
      actor: "bob",
      action: "gate-allowed",
      detail: `road: comment; approvers: carol, dan; protection overridden by @olga (delete \`${forged}\`): retire the bucket`,
    });
    expect(counted.approvers).toEqual(["carol", "dan"]);
  });
});

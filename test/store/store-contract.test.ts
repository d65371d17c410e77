import type { PreviewRecord } from "../../src/model/preview.js";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLocalJWKSet, jwtVerify } from "jose";
import { createOidcIssuer } from "../../src/credentials/oidc-issuer.js";
import { issuedBy } from "../../src/console/user-tokens.js";
import { advisoryKey } from "../../src/store/advisory-key.js";
import { openPostgresStore, type PostgresStore } from "../../src/store/postgres-store.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { JobSpec, JobTarget } from "../../src/model/job.js";
import type { JobResult } from "../../src/model/job-result.js";
import type { NewPlan, PlanFile, Store } from "../../src/store/store.js";
import { OLD_LOCK_SCHEMA } from "./old-lock-schema.js";
import { createTestDatabase, postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";

/** One database for one test; `open` is a replica (Postgres) or a restart (SQLite) on it. */
interface StoreEnv {
  open(): Promise<Store>;
  /** An admin connection URL (Postgres only), to look at sessions and locks. */
  url?: string;
  /** Runs SQL on the database directly (before any store opens it: an older schema, say). */
  sql(text: string): Promise<void>;
  dispose(): Promise<void>;
}

interface Adapter {
  name: "sqlite" | "postgres";
  /** Several open stores share the database at once (replicas). */
  shared: boolean;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  fresh(): Promise<StoreEnv>;
}

/** Closes whatever a test left open, once. */
function tracked(open: () => Promise<Store>) {
  const live = new Set<Store>();
  return {
    async open() {
      const store = await open();
      const close = store.close.bind(store);
      live.add(store);
      store.close = async () => {
        if (!live.delete(store)) return;
        await close();
      };
      return store;
    },
    closeAll: () => Promise.all([...live].map((s) => s.close())),
  };
}

const quiet = { warn: () => undefined };

const sqlite: Adapter = {
  name: "sqlite",
  shared: false,
  setup: async () => undefined,
  teardown: async () => undefined,
  async fresh() {
    const dir = await mkdtemp(join(tmpdir(), "sluice-store-"));
    const stores = tracked(async () => openSqliteStore(join(dir, "sluice.db")));
    return {
      open: stores.open,
      async sql(text) {
        const db = new Database(join(dir, "sluice.db"));
        try {
          db.exec(text);
        } finally {
          db.close();
        }
      },
      async dispose() {
        await stores.closeAll();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

let server: TestPostgres | undefined;
const postgres: Adapter = {
  name: "postgres",
  shared: true,
  async setup() {
    server = await startPostgres();
  },
  async teardown() {
    await server?.stop();
  },
  async fresh() {
    if (!server) throw new Error("no test PostgreSQL");
    const db = await createTestDatabase(server.url);
    const stores = tracked(() => openPostgresStore(db.url, { replicaName: "test", log: quiet }));
    return {
      open: stores.open,
      url: db.url,
      async sql(text) {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          await client.query(text);
        } finally {
          await client.end();
        }
      },
      async dispose() {
        await stores.closeAll();
        await db.stop();
      },
    };
  },
};

const target = (pr: number): JobTarget => ({
  installationId: 7,
  repo: { owner: "acme", name: "infra" },
  cloneUrl: "https://example.test/acme/infra.git",
  pr,
  payloadHeadSha: "a".repeat(40),
});
const spec: JobSpec = { kind: "plan", trigger: "autoplan", actor: "octocat" };
const applySpec: JobSpec = { kind: "apply", trigger: "comment", actor: "octocat" };

const plan = (over: Partial<NewPlan> = {}): NewPlan => ({
  repo: "acme/infra",
  pr: 1,
  project: "net",
  dir: "net",
  workspace: "default",
  runner: "terraform",
  headSha: "h1",
  baseSha: "b1",
  planPath: "/data/plans/net.tfplan",
  planHash: "f".repeat(64),
  summary: {
    add: 1,
    change: 0,
    destroy: 0,
    replace: 0,
    move: 0,
    import: 0,
    forget: 0,
    resources: [{ address: "terraform_data.net", action: "create" }],
    moves: [],
    outputs: [{ name: "id", action: "create", sensitive: false }],
    hasChanges: true,
    terraformVersion: "1.11.4",
  },
  jobId: 1,
  ...over,
});

/** A plan file as the plan job hands it to the store: bytes (any, zeros included) and their sha256. */
const fileOf = (bytes: Buffer): PlanFile => ({ sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length, bytes });
const FILE = fileOf(Buffer.from("plan bytes\0\xff"));

const lock = (pr: number, dir = "net", scope = "") => ({ repo: "acme/infra", dir, workspace: "default", project: scope || dir, scope, pr });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` under the run lock and records how many holders overlapped. */
function overlapProbe() {
  let inside = 0;
  let maxInside = 0;
  let runs = 0;
  return {
    async body(ms = 5) {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await sleep(ms);
      inside--;
      runs++;
    },
    get maxInside() {
      return maxInside;
    },
    get runs() {
      return runs;
    },
  };
}

const pgAvailable = postgresAvailability();

describe.each([sqlite, postgres])("store contract: $name", (adapter) => {
  if (adapter.name === "postgres" && !pgAvailable.ok) {
    const { reason } = pgAvailable;
    // CI must not pass by skipping the shared store; a laptop without PostgreSQL may.
    if (process.env.CI) it("has PostgreSQL to test against", () => expect.fail(reason));
    else it.skip(`skipped: ${reason}`, () => undefined);
    return;
  }

  let env: StoreEnv;
  beforeAll(() => adapter.setup());
  afterAll(() => adapter.teardown());
  afterEach(async () => {
    await env?.dispose();
  });
  const fresh = async () => {
    env = await adapter.fresh();
    return env;
  };
  /** Two replicas on one database; for the single-process SQLite store, the same store twice. */
  const twoStores = async (): Promise<[Store, Store]> => {
    const a = await env.open();
    return [a, adapter.shared ? await env.open() : a];
  };

  it("claims fairly: a PR with jobs running waits behind an idle PR's job, oldest first within each", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const ids: number[] = [];
    for (let i = 0; i < 4; i++)
      ids.push((await a.recordDelivery(`d-busy-${i}`, "issue_comment", { target: target(1), spec })).jobId as number);
    const idle = (await a.recordDelivery("d-idle", "pull_request", { target: target(2), spec })).jobId as number;
    expect((await a.claimNextJob())?.id).toBe(ids[0]);
    // PR 1 has a job running now: PR 2's job, although newer, goes first.
    expect((await b.claimNextJob())?.id).toBe(idle);
    expect((await a.claimNextJob())?.id).toBe(ids[1]);
    expect((await b.activeJobsOf("acme/infra", 1)).map((j) => [j.id, j.status])).toEqual([
      [ids[0], "running"],
      [ids[1], "running"],
      [ids[2], "queued"],
      [ids[3], "queued"],
    ]);
    expect((await a.activeJobsOf("acme/infra", 3)).length).toBe(0);
  });

  it("claims fairly between repositories: an idle repository's PR goes before a busy one's other PR", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const other = (pr: number): JobTarget => ({ ...target(pr), repo: { owner: "acme", name: "web" } });
    const first = (await a.recordDelivery("d-infra-1", "pull_request", { target: target(1), spec })).jobId as number;
    const busyRepo = (await a.recordDelivery("d-infra-2", "pull_request", { target: target(2), spec })).jobId as number;
    const idleRepo = (await a.recordDelivery("d-web-3", "pull_request", { target: other(3), spec })).jobId as number;
    expect((await a.claimNextJob())?.id).toBe(first);
    // PR 2 has nothing running, but its repository has: acme/web's PR, although newer, goes first.
    expect((await b.claimNextJob())?.id).toBe(idleRepo);
    expect((await a.claimNextJob())?.id).toBe(busyRepo);
    expect(await b.claimNextJob()).toBeUndefined();
  });

  it("knows which heads of a PR an event or a heal named", async () => {
    await fresh();
    const [a, b] = await twoStores();
    await a.recordDelivery("d-head", "pull_request", { target: { ...target(1), payloadHeadSha: "a".repeat(40) }, spec });
    await a.recordDelivery("d-comment", "issue_comment", { target: target(1), spec });
    expect(await b.heardOfHead("acme/infra", 1, "a".repeat(40))).toBe(true);
    expect(await b.heardOfHead("acme/infra", 1, "b".repeat(40))).toBe(false);
    // Another PR's head is not this one's.
    expect(await b.heardOfHead("acme/infra", 2, "a".repeat(40))).toBe(false);
    await a.enqueueInternalOnce("heal-head", { ...target(1), payloadHeadSha: "b".repeat(40) }, spec);
    expect(await b.heardOfHead("acme/infra", 1, "b".repeat(40))).toBe(true);
  });

  it("answers a ping while open", async () => {
    await fresh();
    expect(await (await env.open()).ping()).toEqual({ ok: true });
  });

  it("records a delivery once and enqueues its job in the same step", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const first = await a.recordDelivery("d-1", "pull_request", { target: target(1), spec });
    expect(first).toEqual({ duplicate: false, jobId: expect.any(Number) });
    expect(await a.recordDelivery("d-1", "pull_request", { target: target(1), spec })).toEqual({ duplicate: true });
    expect(await b.recordDelivery("d-1", "pull_request", { target: target(1), spec })).toEqual({ duplicate: true });
    expect(await a.recordDelivery("d-ping", "ping", undefined)).toEqual({ duplicate: false });
    expect(await b.recordDelivery("d-ping", "ping", undefined)).toEqual({ duplicate: true });

    const job = await b.getJob(first.jobId as number);
    expect(job).toMatchObject({
      id: first.jobId,
      deliveryId: "d-1",
      target: target(1),
      spec,
      status: "queued",
      attempts: 0,
      commentIds: [],
    });
    expect(job?.checkRunId).toBeUndefined();
    expect(await a.getJob(9999)).toBeUndefined();

    // The same 20 deliveries arriving at both replicas at once: each is acted on exactly once.
    const ids = Array.from({ length: 20 }, (_, i) => `d-race-${i}`);
    const results = await Promise.all(
      ids.flatMap((id) => [a, b].map((s) => s.recordDelivery(id, "issue_comment", { target: target(2), spec }))),
    );
    expect(results.filter((r) => !r.duplicate)).toHaveLength(20);
    const claimed: number[] = [];
    for (let j = await a.claimNextJob(); j; j = await a.claimNextJob()) claimed.push(j.id);
    expect(claimed).toHaveLength(21);
  });

  it("records deliveries that arrive together each once: a redelivery or a replayed comment in the same batch is a duplicate", async () => {
    await fresh();
    const s = await env.open();
    const job = { target: target(1), spec };
    const results = await Promise.all([
      s.recordDelivery("g-1", "issue_comment", job, ["comment:1:100"]),
      s.recordDelivery("g-1", "issue_comment", job, ["comment:1:100"]),
      s.recordDelivery("g-2", "issue_comment", job, ["comment:1:100"]),
      s.recordDelivery("g-3", "issue_comment", job, ["comment:1:101"]),
      s.recordDelivery("g-ping", "ping", undefined),
    ]);
    const duplicate = results.map((r) => r.duplicate);
    // The three calls for comment 100 (g-1 twice, g-2 replaying it): exactly one records it. Which
    // one is the database's order: PostgreSQL runs them side by side on separate connections.
    const comment100 = duplicate.slice(0, 3);
    expect(comment100.filter((d) => !d)).toHaveLength(1);
    expect(duplicate.slice(3)).toEqual([false, false]);
    const winner = (["g-1", "g-1", "g-2"] as const)[comment100.indexOf(false)];
    const claimed: string[] = [];
    for (let j = await s.claimNextJob(); j; j = await s.claimNextJob()) claimed.push(j.deliveryId);
    expect(claimed.sort()).toEqual([winner, "g-3"]);
  });

  it("gives each of 50 jobs to exactly one of two concurrent claimers, oldest first", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const enqueued: number[] = [];
    for (let i = 0; i < 50; i++)
      enqueued.push((await a.recordDelivery(`d-${i}`, "pull_request", { target: target(i), spec })).jobId as number);
    const internal = await b.enqueueInternal(target(99), spec);
    enqueued.push(internal);

    const claimAll = async (s: Store) => {
      const ids: number[] = [];
      for (let j = await s.claimNextJob(); j; j = await s.claimNextJob()) {
        expect(j.status).toBe("running");
        expect(j.attempts).toBe(1);
        ids.push(j.id);
      }
      return ids;
    };
    const [fromA, fromB] = await Promise.all([claimAll(a), claimAll(b)]);
    const all = [...fromA, ...fromB].sort((x, y) => x - y);
    expect(all).toEqual([...enqueued].sort((x, y) => x - y));
    expect(new Set(all).size).toBe(51);
    // Each claimer took its own jobs in queue order.
    expect(fromA).toEqual([...fromA].sort((x, y) => x - y));
    expect(await a.claimNextJob()).toBeUndefined();
  });

  it("enqueues an internal job once per key, however many replicas ask at once, and never as a delivery", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const asked = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).enqueueInternalOnce("sluice-drift-enroll:acme/infra:7", target(0), spec)),
    );
    const queued = asked.filter((id) => id !== undefined);
    expect(queued).toHaveLength(1);
    expect(await a.enqueueInternalOnce("sluice-drift-enroll:acme/infra:7", target(0), spec)).toBeUndefined();
    // Another key, and keyless internal jobs, are not held back by it.
    expect(await b.enqueueInternalOnce("sluice-drift-enroll:acme/infra:8", target(0), spec)).toEqual(expect.any(Number));
    expect(await a.enqueueInternal(target(0), spec)).not.toBe(await a.enqueueInternal(target(0), spec));
    // A key is no delivery id: a webhook delivery under the same text is recorded as new.
    expect(await a.recordDelivery("sluice-drift-enroll:acme/infra:7", "ping", undefined)).toEqual({ duplicate: false });
    expect((await a.getJob(queued[0] as number))?.spec).toEqual(spec);
  });

  it("keeps each preview's record, one per repo, PR and project, and lists the ones not destroyed on every replica", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const preview = (pr: number, project: string, status: PreviewRecord["status"]): PreviewRecord => ({
      repo: "acme/web",
      pr,
      project,
      dir: project,
      workspace: `pr-${pr}`,
      runner: "terraform",
      varFiles: ["preview.tfvars"],
      vars: { flavor: "preview" },
      status,
      headSha: "a".repeat(40),
      target: target(pr),
      createdAt: 1000,
      lastPushAt: 2000,
      ttlMs: 3600_000,
      destroyAttempts: 0,
      lastResult: "applied aaaaaaa",
      updatedAt: 2000,
    });
    await a.savePreview(preview(1, "app", "applying"));
    await a.savePreview(preview(1, "app", "live"));
    await a.savePreview(preview(1, "api", "destroyed"));
    await a.savePreview(preview(2, "app", "destroy-failed"));
    await a.savePreview({ ...preview(1, "app", "live"), repo: "acme/other" });
    expect(await b.getPreview({ repo: "acme/web", pr: 1, project: "app" })).toEqual(preview(1, "app", "live"));
    expect((await b.previewsOf("acme/web", 1)).map((p) => `${p.project}:${p.status}`)).toEqual(["api:destroyed", "app:live"]);
    expect((await b.previewsOf("acme/web")).map((p) => `${p.pr}/${p.project}`)).toEqual(["1/api", "1/app", "2/app"]);
    expect((await b.activePreviews()).map((p) => `${p.repo}#${p.pr}/${p.project}:${p.status}`)).toEqual([
      "acme/other#1/app:live",
      "acme/web#1/app:live",
      "acme/web#2/app:destroy-failed",
    ]);
    expect(await b.getPreview({ repo: "acme/web", pr: 9, project: "app" })).toBeUndefined();
  });

  it("a pull request's close job: the newest queued for its close, whatever became of it", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const repo = "acme/infra";
    await a.enqueueInternal(target(5), spec);
    expect(await b.closeJobOf(repo, 5)).toBeUndefined();
    const first = await a.enqueueInternal(target(5), { kind: "cleanup", merged: false, actor: "octocat" });
    const second = await a.enqueueInternal(target(5), { kind: "cleanup", merged: true, mergeSha: "m", actor: "octocat" });
    await a.updateJob(second, { status: "failed", error: "boom" });
    await a.enqueueInternal(target(6), { kind: "cleanup", merged: false, actor: "octocat" });
    expect(first).toBeLessThan(second);
    expect(await b.closeJobOf(repo, 5)).toMatchObject({ id: second, status: "failed", spec: { kind: "cleanup", merged: true } });
  });

  it("heal refusals: kept per pull request, replaced, forgotten, on every replica", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const refused = { status: 404, attempts: 1, since: 1000, nextAt: 601_000 };
    await a.saveHealRefusal("acme/gone", 7, refused);
    await a.saveHealRefusal("acme/gone", 7, { ...refused, attempts: 2, nextAt: 1_201_000 });
    await a.saveHealRefusal("acme/gone", 8, refused);
    expect(await b.healRefusal("acme/gone", 7)).toEqual({ ...refused, attempts: 2, nextAt: 1_201_000 });
    await b.saveHealRefusal("acme/gone", 7, undefined);
    expect(await a.healRefusal("acme/gone", 7)).toBeUndefined();
    expect(await a.healRefusal("acme/gone", 8)).toEqual(refused);
    expect(await a.healRefusal("acme/other", 8)).toBeUndefined();
  });

  it("scheduled destroys: the attempts kept per workspace, the repos applied by any road, a repo's latest job, on every replica", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const ws = { repo: "acme/infra", project: "net", workspace: "staging" };
    const kept = {
      onceKey: "scheduled-destroy:acme/infra:net:staging:at:1",
      attempts: 2,
      startedAt: 1000,
      nextAt: 7_201_000,
      message: "boom",
    };
    await a.saveDestroyAttempts(ws, { ...kept, attempts: 1 });
    await a.saveDestroyAttempts(ws, { ...kept, issue: 9 });
    await a.saveDestroyAttempts({ ...ws, workspace: "demo" }, kept);
    expect(await b.destroyAttempts(ws)).toEqual({ ...kept, issue: 9 });
    await b.saveDestroyAttempts(ws, undefined);
    expect(await a.destroyAttempts(ws)).toBeUndefined();
    expect(await a.destroyAttempts({ ...ws, workspace: "demo" })).toEqual(kept);

    const live = async (repo: string, source: "reconcile" | "pr", outcome: "succeeded" | "failed") => {
      const id = await a.recordLiveApplyStart({
        ...ws,
        repo,
        dir: "net",
        commitSha: "c1",
        source,
        number: 0,
        actor: "sluice",
        approvers: [],
        planHash: "p",
      });
      await a.recordLiveApplyEnd(id, outcome);
    };
    await live("acme/reconciled", "reconcile", "succeeded");
    await live("acme/reconciled", "reconcile", "succeeded");
    await live("acme/broken", "pr", "failed");
    await live("acme/infra", "pr", "succeeded");
    expect(await b.appliedRepos()).toEqual(["acme/infra", "acme/reconciled"]);

    await a.enqueueInternal(target(3), spec);
    await a.enqueueInternal({ ...target(0), installationId: 8 }, { kind: "drift-check", trigger: "schedule", actor: "sluice" });
    expect(await b.lastJobTarget("acme/infra")).toEqual({ ...target(0), installationId: 8 });
    expect(await b.lastJobTarget("acme/infra", 3)).toEqual(target(3));
    expect(await b.lastJobTarget("acme/none")).toBeUndefined();
  });

  it("updates, requeues and re-claims a job", async () => {
    await fresh();
    const s = await env.open();
    const { jobId } = await s.recordDelivery("d-1", "pull_request", { target: target(1), spec });
    const id = jobId as number;
    expect((await s.claimNextJob())?.id).toBe(id);
    await s.updateJob(id, { commentIds: [4_000_000_001, 4_000_000_002], checkRunId: 38_123_456_789, error: "boom" });
    expect(await s.getJob(id)).toMatchObject({ status: "running", commentIds: [4_000_000_001, 4_000_000_002], checkRunId: 38_123_456_789 });
    await s.requeueJob(id);
    expect((await s.getJob(id))?.status).toBe("queued");
    expect(await s.claimNextJob()).toMatchObject({ id, attempts: 2, status: "running" });
    await s.updateJob(id, { status: "done" });
    expect((await s.getJob(id))?.status).toBe("done");
    expect(await s.claimNextJob()).toBeUndefined();
  });

  it("records the pull request a job found later (a check event that named none)", async () => {
    await fresh();
    const s = await env.open();
    const { jobId } = await s.recordDelivery("d-pr0", "check_run", { target: target(0), spec });
    const id = jobId as number;
    await s.updateJob(id, { pr: 42 });
    const job = await s.getJob(id);
    expect(job?.target).toEqual({ ...target(0), pr: 42 });
    expect((await s.getJob(id))?.status).toBe("queued");
  });

  it("saves plans, supersedes older ones and lists the pending", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const p1 = await a.savePlan(plan(), FILE);
    expect(p1).toMatchObject({ ...plan(), status: "pending", id: expect.any(Number), createdAt: expect.any(String) });
    const p2 = await a.savePlan(plan({ headSha: "h2" }), FILE);
    const other = await a.savePlan(plan({ dir: "app", project: "app" }), FILE);
    await a.savePlan(plan({ pr: 2 }), FILE);
    const pending = await b.pendingPlans("acme/infra", 1);
    expect(pending.map((p) => [p.id, p.status])).toEqual([
      [other.id, "pending"],
      [p2.id, "pending"],
    ]);
    expect(pending[1]).toEqual(p2);
    expect(pending.map((p) => p.id)).not.toContain(p1.id);

    expect(await a.supersedePlans("acme/infra", 1, [{ dir: "app", workspace: "default" }])).toBe(1);
    expect(await a.supersedePlans("acme/infra", 1, [])).toBe(0);
    expect((await a.pendingPlans("acme/infra", 1)).map((p) => p.id)).toEqual([p2.id]);
    await a.markPlanApplied(p2.id);
    expect(await a.pendingPlans("acme/infra", 1)).toEqual([]);
    expect(await a.supersedePlans("acme/infra", 2)).toBe(1);
    expect(await a.pendingPlans("acme/infra", 2)).toEqual([]);

    // Two replicas saving the same project's plan at once: one pending plan remains.
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).savePlan(plan({ pr: 3, headSha: `h${i}` }), FILE)));
    expect(await a.pendingPlans("acme/infra", 3)).toHaveLength(1);
  });

  it("records when a drift check's plan was shown on its issue, once, for every replica", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const saved = await a.savePlan(plan({ pr: 12 }), FILE);
    expect(saved.shownAt).toBeUndefined();
    await b.markPlanShown(saved.id, "2026-11-27T11:00:40Z");
    // A second showing (a retried update) does not move it later.
    await a.markPlanShown(saved.id, "2026-11-27T11:00:50Z");
    const [shown] = await a.pendingPlans("acme/infra", 12);
    expect(Date.parse(shown?.shownAt ?? "")).toBe(Date.parse("2026-11-27T11:00:40Z"));
    const key = { dir: saved.dir, workspace: saved.workspace, project: saved.project };
    expect(Date.parse((await b.planHistory("acme/infra", 12, key, undefined))[0]?.shownAt ?? "")).toBe(Date.parse("2026-11-27T11:00:40Z"));
  });

  it("keeps each pending plan's file for every replica, out of listings, and deletes it once the plan is used or superseded", async () => {
    await fresh();
    const [a, b] = await twoStores();
    // Binary bytes of a realistic size (several MiB) come back exactly, on the other replica too.
    const bytes = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    const big = { ...fileOf(bytes), mac: "ab".repeat(32) };
    const net = await a.savePlan(plan(), big);
    const got = await b.planFile(net.id);
    expect([got?.sha256, got?.size, got?.bytes?.equals(bytes), got?.mac]).toEqual([big.sha256, bytes.length, true, big.mac]);
    // Listings carry the records only.
    const listed = await b.pendingPlans("acme/infra", 1);
    expect(listed).toEqual([net]);
    expect(JSON.stringify(listed).length).toBeLessThan(2000);

    // A file over the store's limit: its hash and size only.
    const app = await a.savePlan(plan({ dir: "app", project: "app" }), { sha256: "e".repeat(64), size: 70_000_000 });
    expect(await b.planFile(app.id)).toEqual({ sha256: "e".repeat(64), size: 70_000_000 });

    // Re-planning a project deletes the superseded plan's file, and no other.
    const net2 = await b.savePlan(plan({ headSha: "h2" }), FILE);
    expect(await a.planFile(net.id)).toBeUndefined();
    expect(await a.planFile(net2.id)).toEqual(FILE);
    expect(await a.planFile(app.id)).toBeDefined();
    // Applied (or failed): used once, its file goes.
    await a.markPlanApplied(net2.id);
    expect(await b.planFile(net2.id)).toBeUndefined();
    // Superseded by key, or all of a PR's at once (a push, /unlock, the PR closed).
    const other = await a.savePlan(plan({ pr: 2 }), FILE);
    const third = await a.savePlan(plan({ pr: 2, dir: "db", project: "db" }), FILE);
    expect(await b.supersedePlans("acme/infra", 1, [{ dir: "app", workspace: "default" }])).toBe(1);
    expect(await a.planFile(app.id)).toBeUndefined();
    expect(await a.planFile(other.id)).toEqual(FILE);
    expect(await b.supersedePlans("acme/infra", 2)).toBe(2);
    expect(await a.planFile(other.id)).toBeUndefined();
    expect(await a.planFile(third.id)).toBeUndefined();
    expect(await a.planFile(9999)).toBeUndefined();
  });

  it("takes, refuses, remembers waiters and releases project locks", async () => {
    await fresh();
    const [a, b] = await twoStores();
    expect(await a.takeLock(lock(1), target(1))).toEqual({ ok: true });
    expect(await b.takeLock(lock(1), target(1))).toEqual({ ok: true });
    const refused = await b.takeLock(lock(2), target(2));
    expect(refused).toEqual({ ok: false, heldBy: { ...lock(1), createdAt: expect.any(String) } });
    await a.takeLock(lock(3), target(3));
    await a.takeLock(lock(3), target(3));
    await a.takeLock(lock(1, "app"), target(1));
    expect((await b.locksOf("acme/infra", 1)).map((l) => l.dir)).toEqual(["app", "net"]);

    const partial = await b.releaseLocks("acme/infra", 1, [{ dir: "app", workspace: "default" }]);
    expect(partial).toEqual({ released: [{ ...lock(1, "app"), createdAt: expect.any(String) }], waiters: [] });
    const released = await b.releaseLocks("acme/infra", 1);
    expect(released.released.map((l) => l.dir)).toEqual(["net"]);
    expect(released.waiters.sort((x, y) => x.pr - y.pr)).toEqual([target(2), target(3)]);
    expect(await a.locksOf("acme/infra", 1)).toEqual([]);

    // Waiters were consumed; the next holder's release reports only who queued after it.
    expect(await a.takeLock(lock(2), target(2))).toEqual({ ok: true });
    expect((await a.takeLock(lock(4), target(4))).ok).toBe(false);
    // A PR that closes stops waiting.
    await a.releaseLocks("acme/infra", 4);
    expect(await a.releaseLocks("acme/infra", 2)).toMatchObject({ waiters: [] });

    // Ten PRs race for one free lock across both replicas: exactly one gets it, all see the same holder.
    const race = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).takeLock(lock(10 + i, "db"), target(10 + i))));
    const winners = race.flatMap((r, i) => (r.ok ? [10 + i] : []));
    expect(winners).toHaveLength(1);
    const winnerPr = winners[0] as number;
    expect(new Set(race.flatMap((r) => (r.ok ? [] : [r.heldBy.pr])))).toEqual(new Set([winnerPr]));
    expect((await b.releaseLocks("acme/infra", winnerPr)).waiters).toHaveLength(9);
  });

  it("keys locks by scope: distinct named projects on one dir + workspace do not block each other; a whole-dir lock blocks them all", async () => {
    await fresh();
    const [a, b] = await twoStores();
    // PR 1 holds project a (a named scope the trusted config defines on net/default).
    expect(await a.takeLock(lock(1, "net", "a"), target(1))).toEqual({ ok: true });
    // PR 2 on project b of the same dir + workspace: not blocked.
    expect(await b.takeLock(lock(2, "net", "b"), target(2))).toEqual({ ok: true });
    // PR 3 on project a: blocked by PR 1.
    expect(await b.takeLock(lock(3, "net", "a"), target(3))).toEqual({
      ok: false,
      heldBy: { ...lock(1, "net", "a"), createdAt: expect.any(String) },
    });
    // PR 4 whose project the trusted config does not tell apart ("" = the whole dir + workspace):
    // blocked by either named lock, so a new name cannot step around a lock.
    const whole = await a.takeLock({ ...lock(4, "net", ""), project: "renamed" }, target(4));
    expect(whole.ok).toBe(false);
    expect([1, 2]).toContain(whole.ok ? 0 : whole.heldBy.pr);
    expect((await a.locksOf("acme/infra", 1)).map((l) => [l.project, l.scope])).toEqual([["a", "a"]]);

    // Releasing a wakes PR 3 (waiting for a) and PR 4 (waiting for the whole dir), not PR 2's project.
    const releasedA = await b.releaseLocks("acme/infra", 1);
    expect(releasedA.released.map((l) => l.scope)).toEqual(["a"]);
    expect(releasedA.waiters.map((w) => w.pr).sort()).toEqual([3, 4]);
    // PR 4 still cannot take the whole dir: PR 2 holds b.
    expect(await a.takeLock({ ...lock(4, "net", ""), project: "renamed" }, target(4))).toMatchObject({
      ok: false,
      heldBy: { pr: 2, scope: "b" },
    });
    // A whole-dir lock blocks every named project there.
    await b.releaseLocks("acme/infra", 2);
    expect(await a.takeLock({ ...lock(4, "net", ""), project: "renamed" }, target(4))).toEqual({ ok: true });
    expect(await b.takeLock(lock(5, "net", "b"), target(5))).toMatchObject({ ok: false, heldBy: { pr: 4, scope: "" } });
    expect((await a.releaseLocks("acme/infra", 4)).waiters.map((w) => w.pr)).toEqual([5]);

    // A PR that renames its project takes its lock again under the new name: the lock is named so.
    expect(await a.takeLock({ ...lock(7, "web", ""), project: "old" }, target(7))).toEqual({ ok: true });
    expect((await b.locksOf("acme/infra", 7)).map((l) => l.project)).toEqual(["old"]);
    expect(await b.takeLock({ ...lock(7, "web", ""), project: "new" }, target(7))).toEqual({ ok: true });
    expect((await a.locksOf("acme/infra", 7)).map((l) => [l.project, l.scope])).toEqual([["new", ""]]);
    expect(await a.takeLock({ ...lock(8, "web", ""), project: "other" }, target(8))).toMatchObject({
      ok: false,
      heldBy: { pr: 7, project: "new" },
    });
    expect((await a.locksOf("acme/infra", 7)).map((l) => l.project)).toEqual(["new"]);

    // One PR may hold two named projects of a dir; releasing one by project keeps the other.
    await a.takeLock(lock(6, "net", "a"), target(6));
    await a.takeLock(lock(6, "net", "b"), target(6));
    const one = await b.releaseLocks("acme/infra", 6, [{ dir: "net", workspace: "default", project: "b" }]);
    expect(one.released.map((l) => l.scope)).toEqual(["b"]);
    expect((await a.locksOf("acme/infra", 6)).map((l) => l.scope)).toEqual(["a"]);

    // Racing PRs for a and the whole dir across replicas: a whole-dir lock never coexists with another PR's lock.
    await a.releaseLocks("acme/infra", 6);
    const race = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).takeLock(lock(20 + i, "db", i % 3 === 0 ? "" : i % 3 === 1 ? "a" : "b"), target(20 + i)),
      ),
    );
    const holders = (await Promise.all(race.map((_, i) => a.locksOf("acme/infra", 20 + i)))).flat();
    const scopes = holders.map((l) => l.scope);
    if (scopes.includes("")) expect(holders).toHaveLength(1);
    else expect(new Set(scopes).size).toBe(scopes.length);
    expect(race.filter((r) => r.ok)).toHaveLength(holders.length);
  });

  it("keeps one pending plan per PR + dir + workspace + project", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const pa = await a.savePlan(plan({ project: "a" }), FILE);
    const pb = await a.savePlan(plan({ project: "b" }), FILE);
    expect((await b.pendingPlans("acme/infra", 1)).map((p) => p.id)).toEqual([pa.id, pb.id]);
    // Re-planning a supersedes a's plan only.
    const pa2 = await b.savePlan(plan({ project: "a", headSha: "h2" }), FILE);
    expect((await a.pendingPlans("acme/infra", 1)).map((p) => p.id)).toEqual([pa2.id, pb.id]);
    // Superseding by project leaves the other; without a project, every plan of the dir + workspace goes.
    expect(await a.supersedePlans("acme/infra", 1, [{ dir: "net", workspace: "default", project: "b" }])).toBe(1);
    expect((await a.pendingPlans("acme/infra", 1)).map((p) => p.id)).toEqual([pa2.id]);
    await a.savePlan(plan({ project: "b" }), FILE);
    expect(await b.supersedePlans("acme/infra", 1, [{ dir: "net", workspace: "default" }])).toBe(2);
    expect(await a.pendingPlans("acme/infra", 1)).toEqual([]);
  });

  it("opens a database made before locks had scopes: its locks, waiters and plans survive", async () => {
    await fresh();
    await env.sql(OLD_LOCK_SCHEMA[adapter.name]);
    const a = await env.open();
    // The old lock covers the whole dir + workspace: it still blocks any other PR's project there.
    expect(await a.locksOf("acme/infra", 1)).toEqual([{ ...lock(1, "net", ""), project: "net", createdAt: expect.any(String) }]);
    expect(await a.takeLock(lock(2, "net", "b"), target(2))).toMatchObject({ ok: false, heldBy: { pr: 1 } });
    const [old] = await a.pendingPlans("acme/infra", 1);
    expect([old?.project, old?.planHash]).toEqual(["net", "f".repeat(64)]);
    // Saved before the store kept plan files: only the replica that made it has the file.
    expect(await a.planFile(old?.id ?? 0)).toBeUndefined();
    // The new keys hold: two named plans of one dir coexist.
    await a.savePlan(plan({ project: "other" }), FILE);
    expect((await a.pendingPlans("acme/infra", 1)).map((p) => p.project)).toEqual(["net", "other"]);
    // The old waiter (PR 3) and the new one (PR 2) are woken by the release.
    expect((await a.releaseLocks("acme/infra", 1)).waiters.map((w) => w.pr).sort()).toEqual([2, 3]);
    // Migrating again (a restart, another replica) changes nothing.
    if (!adapter.shared) await a.close();
    const again = await env.open();
    expect(await again.takeLock(lock(2, "net", "b"), target(2))).toEqual({ ok: true });
    expect(await again.takeLock(lock(7, "net", "c"), target(7))).toEqual({ ok: true });
  });

  it("runs one operation per PR at a time", async () => {
    await fresh();
    const [a, b] = await twoStores();
    expect(await a.beginPrOperation("acme/infra", 1, "apply", 10)).toEqual({ ok: true });
    expect(await b.beginPrOperation("acme/infra", 1, "apply", 10)).toEqual({ ok: true });
    expect(await b.beginPrOperation("acme/infra", 1, "apply", 11)).toEqual({ ok: false, jobId: 10 });
    expect(await b.beginPrOperation("acme/infra", 2, "apply", 11)).toEqual({ ok: true });
    // Only the holder ends it: another job's end (one that let it go early) leaves it held.
    await a.endPrOperation("acme/infra", 1, "apply", 11);
    expect(await b.beginPrOperation("acme/infra", 1, "apply", 11)).toEqual({ ok: false, jobId: 10 });
    await a.endPrOperation("acme/infra", 1, "apply", 10);
    expect(await b.beginPrOperation("acme/infra", 1, "apply", 11)).toEqual({ ok: true });
    await a.clearPrOperationsOf(11);
    expect(await a.beginPrOperation("acme/infra", 1, "apply", 12)).toEqual({ ok: true });
    expect(await a.beginPrOperation("acme/infra", 2, "apply", 12)).toEqual({ ok: true });

    const race = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).beginPrOperation("acme/infra", 3, "apply", 100 + i)),
    );
    expect(race.filter((r) => r.ok)).toHaveLength(1);
  });

  it("after a restart, reports started applies as interrupted and running jobs as left over", async () => {
    await fresh();
    const before = await env.open();
    const planJob = (await before.recordDelivery("d-plan", "pull_request", { target: target(1), spec })).jobId as number;
    const applyJob = (await before.recordDelivery("d-apply", "issue_comment", { target: target(1), spec: applySpec })).jobId as number;
    await before.claimNextJob();
    await before.claimNextJob();
    await before.recordDelivery("d-queued", "pull_request", { target: target(2), spec });
    const started = await before.recordApplyStart({ jobId: applyJob, repo: "acme/infra", pr: 1, project: "net", planId: 1 });
    const finished = await before.recordApplyStart({ jobId: applyJob, repo: "acme/infra", pr: 1, project: "app", planId: 2 });
    await before.recordApplyEnd(finished, "succeeded");
    await before.close();

    const after = await env.open();
    const interrupted = await eventually(
      async () => (await after.interruptStartedApplies()).applies,
      (r) => r.length > 0,
    );
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0]).toMatchObject({
      id: started,
      jobId: applyJob,
      repo: "acme/infra",
      pr: 1,
      project: "net",
      planId: 1,
      status: "interrupted",
    });
    expect(await after.interruptStartedApplies()).toEqual({ applies: [], live: [] });
    const running = await after.runningJobs();
    expect(running.map((j) => j.id)).toEqual([planJob, applyJob]);
    expect(running.every((j) => j.status === "running")).toBe(true);
    await after.requeueJob(planJob);
    await after.updateJob(applyJob, { status: "interrupted" });
    expect(await after.runningJobs()).toEqual([]);
    expect((await after.claimNextJob())?.id).toBe(planJob);
  });

  it("lists a pull request's unsettled applies: failed or interrupted, unless a later apply of the same project succeeded", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const end = async (project: string, status: "succeeded" | "failed", pr = 5) => {
      const { id: planId } = await a.savePlan(plan({ pr, project, dir: project }), FILE);
      const id = await a.recordApplyStart({ jobId: 1, repo: "acme/infra", pr, project, planId });
      await a.recordApplyEnd(id, status);
      return id;
    };
    const netFailed = await end("net", "failed");
    const appFailed = await end("app", "failed");
    expect((await b.unsettledAppliesOfPr("acme/infra", 5)).map((r) => r.id)).toEqual([netFailed, appFailed]);
    // The app applied again and landed: its failure is settled; net's is not (another PR's success does not count).
    await end("app", "succeeded");
    await end("net", "succeeded", 6);
    expect((await b.unsettledAppliesOfPr("acme/infra", 5)).map((r) => r.id)).toEqual([netFailed]);
    // A later failure of the app is unsettled again.
    const appAgain = await end("app", "failed");
    expect((await b.unsettledAppliesOfPr("acme/infra", 5)).map((r) => r.id)).toEqual([netFailed, appAgain]);
  });

  it("counts an apply still started as unsettled once its job no longer runs (adopted as orphaned before the sweep marked it)", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const job = await a.enqueueInternal(target(5), applySpec);
    await a.updateJob(job, { status: "running" });
    const started = await a.recordApplyStart({ jobId: job, repo: "acme/infra", pr: 5, project: "net", planId: 1 });
    // Control: while its job runs, the apply is under way, not unsettled.
    expect(await b.unsettledAppliesOfPr("acme/infra", 5)).toEqual([]);
    await a.updateJob(job, { status: "interrupted" });
    expect((await b.unsettledAppliesOfPr("acme/infra", 5)).map((r) => r.id)).toEqual([started]);
  });

  it("settles a failed apply only by a later success at the same dir and workspace, not by another project given its name", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const at = async (dir: string, workspace: string, status: "succeeded" | "failed") => {
      const p = await a.savePlan(plan({ pr: 5, project: "edge", dir, workspace }), FILE);
      const id = await a.recordApplyStart({ jobId: 1, repo: "acme/infra", pr: 5, project: "edge", planId: p.id });
      await a.recordApplyEnd(id, status);
      return id;
    };
    // `edge` failed at dir edge; the PR then named a project at another dir (or workspace) `edge`, which landed.
    const failed = await at("edge", "default", "failed");
    await at("other", "default", "succeeded");
    await at("edge", "staging", "succeeded");
    expect((await b.unsettledAppliesOfPr("acme/infra", 5)).map((r) => r.id)).toEqual([failed]);
    // Control: a later success at that very dir and workspace settles it.
    await at("edge", "default", "succeeded");
    expect(await b.unsettledAppliesOfPr("acme/infra", 5)).toEqual([]);
  });

  it("settles a failed apply by the /unlock of its lock, who and when; a later failure is unsettled again", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const end = async (project: string, dir: string, status: "succeeded" | "failed", workspace = "default") => {
      const p = await a.savePlan(plan({ pr: 5, project, dir, workspace }), FILE);
      const id = await a.recordApplyStart({ jobId: 1, repo: "acme/infra", pr: 5, project, planId: p.id });
      await a.recordApplyEnd(id, status);
      return id;
    };
    const netFailed = await end("net", "net", "failed");
    // When the /unlock was asked: after these ended.
    const appFailed = await end("app", "app", "failed");
    // Two projects share dir `shared`: a lock named for one settles that one only.
    const oneFailed = await end("one", "shared", "failed");
    const twoFailed = await end("two", "shared", "failed");
    const asked = new Date(Date.now() + 60_000).toISOString();
    // Controls: a lock at another workspace, or named for another project at that dir, settles nothing.
    expect(await b.settleAppliesOfPr("acme/infra", 5, [{ dir: "net", workspace: "staging", scope: "" }], "bob", asked)).toEqual([]);
    expect(await b.settleAppliesOfPr("acme/infra", 5, [{ dir: "shared", workspace: "default", scope: "three" }], "bob", asked)).toEqual([]);
    expect(await b.settleAppliesOfPr("acme/infra", 6, [{ dir: "net", workspace: "default", scope: "" }], "bob", asked)).toEqual([]);
    const settled = await b.settleAppliesOfPr(
      "acme/infra",
      5,
      [
        { dir: "net", workspace: "default", scope: "" },
        { dir: "shared", workspace: "default", scope: "one" },
      ],
      "bob",
      asked,
    );
    expect(settled.map((r) => [r.id, r.settledBy])).toEqual([
      [netFailed, "bob"],
      [oneFailed, "bob"],
    ]);
    expect(Number.isNaN(Date.parse(settled[0]?.settledAt ?? ""))).toBe(false);
    expect((await a.unsettledAppliesOfPr("acme/infra", 5)).map((r) => r.id)).toEqual([appFailed, twoFailed]);
    // Settled once: a second /unlock of it settles nothing more.
    expect(await b.settleAppliesOfPr("acme/infra", 5, [{ dir: "net", workspace: "default", scope: "" }], "carol", asked)).toEqual([]);
    // A new failure of net after the unlock is unsettled again.
    const netAgain = await end("net", "net", "failed");
    expect((await a.unsettledAppliesOfPr("acme/infra", 5)).map((r) => r.id)).toEqual([appFailed, twoFailed, netAgain]);
  });

  it("does not settle an apply still under way: its job runs, its outcome is not known", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const job = await a.enqueueInternal(target(5), applySpec);
    await a.updateJob(job, { status: "running" });
    const p = await a.savePlan(plan({ pr: 5, project: "net", dir: "net" }), FILE);
    const started = await a.recordApplyStart({ jobId: job, repo: "acme/infra", pr: 5, project: "net", planId: p.id });
    const asked = new Date(Date.now() + 60_000).toISOString();
    expect(await b.settleAppliesOfPr("acme/infra", 5, [{ dir: "net", workspace: "default", scope: "" }], "bob", asked)).toEqual([]);
    await a.updateJob(job, { status: "interrupted" });
    expect((await b.unsettledAppliesOfPr("acme/infra", 5)).map((r) => r.id)).toEqual([started]);
  });

  it("settles by /unlock only a failure that ended before the unlock was asked (one queued behind the apply, or delivered late)", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const p = await a.savePlan(plan({ pr: 5, project: "net", dir: "net" }), FILE);
    const asked = new Date(Date.now() - 60_000).toISOString();
    const id = await a.recordApplyStart({ jobId: 1, repo: "acme/infra", pr: 5, project: "net", planId: p.id });
    await a.recordApplyEnd(id, "failed");
    const lockOfNet = [{ dir: "net", workspace: "default", scope: "" }];
    expect(await b.settleAppliesOfPr("acme/infra", 5, lockOfNet, "bob", asked)).toEqual([]);
    expect((await a.unsettledAppliesOfPr("acme/infra", 5)).map((r) => r.id)).toEqual([id]);
    // Control: asked after it ended, it settles it.
    const later = new Date(Date.now() + 60_000).toISOString();
    expect((await b.settleAppliesOfPr("acme/infra", 5, lockOfNet, "bob", later)).map((r) => r.id)).toEqual([id]);
  });

  it("settles by /unlock an apply left started only if its job ended before the unlock was asked", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const job = await a.enqueueInternal(target(5), applySpec);
    await a.updateJob(job, { status: "running" });
    const p = await a.savePlan(plan({ pr: 5, project: "net", dir: "net" }), FILE);
    const id = await a.recordApplyStart({ jobId: job, repo: "acme/infra", pr: 5, project: "net", planId: p.id });
    await new Promise((r) => setTimeout(r, 5));
    // Asked while the apply ran: its job was cut short only after.
    const asked = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await a.updateJob(job, { status: "interrupted" });
    const lockOfNet = [{ dir: "net", workspace: "default", scope: "" }];
    expect(await b.settleAppliesOfPr("acme/infra", 5, lockOfNet, "bob", asked)).toEqual([]);
    expect((await a.unsettledAppliesOfPr("acme/infra", 5)).map((r) => r.id)).toEqual([id]);
    // Control: asked after its job ended, it settles it.
    const later = new Date(Date.now() + 60_000).toISOString();
    expect((await b.settleAppliesOfPr("acme/infra", 5, lockOfNet, "bob", later)).map((r) => r.id)).toEqual([id]);
  });

  it("keeps a job's final answer until it is posted; one its process left unposted goes to one other process, once", async () => {
    await fresh();
    const result = (text: string): JobResult => ({
      command: "apply",
      headSha: "h1",
      comments: [`<!-- sluice:job -->\n${text}`],
      check: { status: "completed", conclusion: "success", title: text, summary: text },
    });
    const before = await env.open();
    const posted = (await before.recordDelivery("d-posted", "issue_comment", { target: target(1), spec: applySpec })).jobId as number;
    const left = (await before.recordDelivery("d-left", "issue_comment", { target: target(2), spec: applySpec })).jobId as number;
    await before.saveResult(posted, result("posted"));
    await before.markResultPosted(posted);
    await before.saveResult(left, result("first"));
    await before.saveResult(left, result("applied"));
    expect(await before.resultOf(left)).toEqual({ jobId: left, result: result("applied"), posted: false });
    // Once on GitHub, only the fact is kept: comment text can be large.
    expect(await before.resultOf(posted)).toEqual({ jobId: posted, posted: true });
    expect(await before.resultOf(999)).toBeUndefined();
    if (adapter.shared) {
      // While its process lives, an unposted answer is that process's to post.
      const other = await env.open();
      expect(await other.orphanedResults()).toEqual([]);
      expect(await other.anyOrphans?.()).toBe(false);
      await other.close();
    }
    await before.close();

    const [after, also] = await twoStores();
    if (adapter.shared) await eventually(async () => (await after.anyOrphans?.()) === true, Boolean);
    const [first, second] = await Promise.all([after.orphanedResults(), also === after ? [] : also.orphanedResults()]);
    expect([...first, ...second]).toEqual([{ jobId: left, result: result("applied"), posted: false }]);
    await (first.length ? after : also).markResultPosted(left);
    expect(await after.orphanedResults()).toEqual([]);
    expect(await after.resultOf(left)).toEqual({ jobId: left, posted: true });
    if (adapter.shared) expect(await after.anyOrphans?.()).toBe(false);
    // Posted with GitHub's time of its edit: kept for every replica; a new answer forgets it.
    await after.saveResult(left, result("again"));
    await after.markResultPosted(left, "2026-11-27T11:00:43Z");
    const shown = await also.resultOf(left);
    expect(shown?.posted && Date.parse(shown.shownAt ?? "")).toBe(Date.parse("2026-11-27T11:00:43Z"));
    await after.saveResult(left, result("once more"));
    await after.markResultPosted(left);
    expect(await also.resultOf(left)).toEqual({ jobId: left, posted: true });
  });

  it("runs one holder of a run lock at a time in one process, and different keys in parallel", async () => {
    await fresh();
    const s = await env.open();
    const probe = overlapProbe();
    await Promise.all(Array.from({ length: 8 }, () => s.runExclusive("acme/infra|net|default", () => probe.body())));
    expect(probe.maxInside).toBe(1);
    expect(probe.runs).toBe(8);

    // Different keys do not wait for each other: each body waits until the other has started.
    let started = 0;
    const both = async () => {
      started++;
      while (started < 2) await sleep(2);
    };
    await Promise.all([s.runExclusive("k1", both), s.runExclusive("k2", both)]);
    expect(started).toBe(2);

    // A failing holder releases the lock and its error reaches the caller.
    await expect(s.runExclusive("k1", async () => Promise.reject(new Error("plan failed")))).rejects.toThrow("plan failed");
    expect(await s.runExclusive("k1", async () => "next")).toBe("next");
  });

  it("keeps job logs in order, capped per job, across restarts, until their retention ends", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const jobId = (await a.recordDelivery("d-log", "pull_request", { target: target(1), spec })).jobId as number;
    const chunk = (project: string, text: string) => ({ jobId, repo: "acme/infra", pr: 1, kind: "plan" as const, project, text });
    // Two projects of one job write at once, from both replicas: one sequence, each project's order kept.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).appendJobLog(chunk(i % 2 ? "net" : "app", `line ${i}\n`), 10_000)),
    );
    const all = await b.readJobLog(jobId, 0);
    expect(all.map((c) => c.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(all.filter((c) => c.project === "net")).toHaveLength(10);
    expect((await a.readJobLog(jobId, 18)).map((c) => c.seq)).toEqual([19, 20]);
    expect(await a.readJobLog(jobId, 0, 3)).toHaveLength(3);
    expect(await a.appendJobLog(chunk("net", ""), 10_000)).toBe(true);
    expect(await a.readJobLog(jobId, 20)).toEqual([]);

    // The cap counts the whole job; the cut keeps whole characters and leaves one notice.
    const capped = (await a.recordDelivery("d-cap", "pull_request", { target: target(2), spec })).jobId as number;
    const big = (project: string, text: string) => ({ jobId: capped, repo: "acme/infra", pr: 2, kind: "apply" as const, project, text });
    expect(await a.appendJobLog(big("net", "x".repeat(30)), 40)).toBe(true);
    expect(await b.appendJobLog(big("app", `${"é".repeat(10)}tail`), 40)).toBe(false);
    expect(await a.appendJobLog(big("net", "more"), 40)).toBe(false);
    const cappedLog = await a.readJobLog(capped, 0);
    expect(cappedLog.map((c) => c.text.replace(/\s+$/, "").slice(0, 40))).toEqual([
      "x".repeat(30),
      "é".repeat(5),
      expect.stringContaining("truncated"),
    ]);
    const streams = await b.jobLogStreams(capped);
    expect(streams.map((s) => [s.project, s.kind, s.bytes, s.truncated])).toEqual([
      ["net", "apply", 30, false],
      ["app", "apply", 10, true],
    ]);

    if (!adapter.shared) {
      await a.close();
      const again = await env.open();
      expect((await again.readJobLog(jobId, 0)).map((c) => c.text)).toEqual(all.map((c) => c.text));
      // One process per embedded data dir: the next open needs this one closed.
      await again.close();
    }
    const s = await env.open();
    expect(await s.pruneJobLogs(new Date(Date.now() - 60_000).toISOString())).toBe(0);
    expect(await s.pruneJobLogs(new Date(Date.now() + 60_000).toISOString())).toBe(2);
    expect(await s.readJobLog(jobId, 0)).toEqual([]);
    expect(await s.pruneJobLogs(new Date(Date.now() + 60_000).toISOString())).toBe(0);
    // The streams stay: the overview still knows which job last planned a project.
    expect(await s.jobLogStreams(jobId)).toHaveLength(2);
  });

  it("shows every project's last plan, last apply, what is live, and who holds and waits for locks", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const planJob = (await a.recordDelivery("d-p", "pull_request", { target: target(1), spec })).jobId as number;
    const log = (jobId: number, project: string, kind: "plan" | "apply", pr = 1) =>
      a.appendJobLog({ jobId, repo: "acme/infra", pr, kind, project, text: `${project}\n` }, 1000);
    await log(planJob, "net", "plan");
    await log(planJob, "app", "plan");
    const saved = await a.savePlan(plan({ jobId: planJob }), FILE);
    await a.updateJob(planJob, { status: "done" });

    const applyJob = (
      await a.recordDelivery("d-a", "issue_comment", { target: target(1), spec: { kind: "apply", trigger: "comment", actor: "alice" } })
    ).jobId as number;
    await log(applyJob, "net", "apply");
    const ok = await a.recordApplyStart({ jobId: applyJob, repo: "acme/infra", pr: 1, project: "net", planId: saved.id });
    await a.recordApplyEnd(ok, "succeeded");
    const failedJob = (
      await a.recordDelivery("d-f", "issue_comment", { target: target(3), spec: { kind: "apply", trigger: "comment", actor: "bob" } })
    ).jobId as number;
    const failed = await a.recordApplyStart({ jobId: failedJob, repo: "acme/infra", pr: 3, project: "net", planId: saved.id });
    await a.recordApplyEnd(failed, "failed");
    const running = (await a.recordDelivery("d-r", "pull_request", { target: target(4), spec })).jobId as number;
    await log(running, "db", "plan", 4);

    const activity = await b.projectActivity();
    expect(activity.map((r) => r.project)).toEqual(["app", "db", "net"]);
    const [app, db, net] = activity;
    expect(app?.lastPlan).toMatchObject({ jobId: planJob, pr: 1, jobStatus: "done" });
    expect(app?.lastPlan?.planStatus).toBeUndefined();
    expect(db?.lastPlan).toMatchObject({ jobId: running, pr: 4, jobStatus: "queued" });
    expect(net?.lastPlan).toMatchObject({ jobId: planJob, planStatus: "pending", headSha: "h1", summary: { add: 1 } });
    expect(net?.lastApply).toMatchObject({ id: failed, status: "failed", actor: "bob", pr: 3 });
    expect(net?.live).toMatchObject({ id: ok, status: "succeeded", actor: "alice", pr: 1, headSha: "h1", finishedAt: expect.any(String) });
    expect((await b.applyHistory({ repo: "acme/infra" })).map((x) => x.id)).toEqual([failed, ok]);
    expect((await b.applyHistory({ repo: "acme/infra", beforeId: failed })).map((x) => x.id)).toEqual([ok]);
    expect(await b.applyHistory({ repo: "other/repo" })).toEqual([]);

    await a.takeLock(lock(1), target(1));
    await a.takeLock(lock(7), target(7));
    await a.takeLock(lock(5), target(5));
    await a.takeLock(lock(2, "app"), target(2));
    expect(await b.allLocks()).toEqual([
      { ...lock(2, "app"), createdAt: expect.any(String), waiting: [] },
      { ...lock(1), createdAt: expect.any(String), waiting: [5, 7] },
    ]);
    expect(await b.lastJobTarget("acme/infra", 1)).toEqual(target(1));
    expect(await b.lastJobTarget("acme/infra", 99)).toBeUndefined();
    expect(await b.stats()).toEqual({
      queuedJobs: 3,
      runningJobs: 0,
      locks: 2,
      reconciled: { "pr-closed": 0, "head-moved": 0, "check-orphaned": 0 },
    });
    // Healing acts counted by their kind, whichever replica recorded them; other audit records are not.
    for (const detail of ["head-moved: a", "head-moved: b", "check-orphaned: c"])
      await a.recordAudit({ actor: "sluice", action: "reconciled", detail });
    await a.recordAudit({ actor: "sluice", action: "pause", detail: "pr-closed: not a healing act" });
    expect((await b.stats()).reconciled).toEqual({ "pr-closed": 0, "head-moved": 2, "check-orphaned": 1 });
  });

  it("keeps console sessions until sign-out or expiry, the same on every replica", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const later = new Date(Date.now() + 3600_000).toISOString();
    await a.openConsoleSession({ key: "k1", login: "Alice", expiresAt: later });
    await a.openConsoleSession({ key: "k2", login: "Alice", expiresAt: later });
    await a.openConsoleSession({ key: "old", login: "bob", expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect((await b.consoleSession("k1"))?.login).toBe("Alice");
    expect(await b.consoleSession("old")).toBeUndefined();
    expect(await b.consoleSession("nope")).toBeUndefined();
    expect(await b.endConsoleSession("k1")).toEqual({});
    expect(await a.consoleSession("k1")).toBeUndefined();
    // Another session of the same user stays open.
    expect((await a.consoleSession("k2"))?.login).toBe("Alice");
    expect(await b.endConsoleSession("k1")).toBeUndefined();
    // An SSO session, expired too, gives back its provider and sealed tokens (to revoke them there).
    const sso = { provider: "corp", subject: "ada", groups: [], checkedAt: later, sealedTokens: "v1.z" };
    await a.openConsoleSession({ key: "gone", login: "sso:corp:ada", expiresAt: new Date(Date.now() - 1000).toISOString(), sso });
    expect(await b.endConsoleSession("gone")).toEqual({ sso: { provider: "corp", subject: "ada", sealedTokens: "v1.z" } });
    // Whether the user still holds a session with that provider (an expired one is none).
    await a.openConsoleSession({ key: "live", login: "sso:corp:ada", expiresAt: later, sso });
    await a.openConsoleSession({
      key: "ran-out",
      login: "sso:corp:bob",
      expiresAt: new Date(Date.now() - 1000).toISOString(),
      sso: { ...sso, subject: "bob" },
    });
    expect([await b.hasSsoSession("corp", "ada"), await b.hasSsoSession("staff", "ada"), await b.hasSsoSession("corp", "bob")]).toEqual([
      true,
      false,
      false,
    ]);
    // Of the provider's session `sid`: one that named it or none (it cannot be told apart), not another.
    await a.openConsoleSession({ key: "p1", login: "sso:corp:bob", expiresAt: later, sso: { ...sso, subject: "bob", sid: "p1" } });
    expect([await b.hasSsoSession("corp", "bob", "p1"), await b.hasSsoSession("corp", "bob", "p2")]).toEqual([true, false]);
    expect(await b.hasSsoSession("corp", "ada", "p2")).toBe(true);
    // A revocation of another session's token is noted on the user's open sessions with that provider, on every replica.
    await a.markOtherSsoRevoked("corp", "bob", "2026-01-01T00:01:00.000Z");
    expect((await b.consoleSession("p1"))?.sso?.otherRevokedAt).toBe("2026-01-01T00:01:00.000Z");
    expect((await b.consoleSession("live"))?.sso?.otherRevokedAt).toBeUndefined();
    expect(await b.endConsoleSession("p1")).toEqual({ sso: { provider: "corp", subject: "bob", sid: "p1", sealedTokens: "v1.z" } });
    await b.endConsoleSession("live");
    expect(await a.hasSsoSession("corp", "ada")).toBe(false);
  });

  it("takes a back-channel logout token once, on any replica, until it expires", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const later = new Date(Date.now() + 300_000).toISOString();
    const take = (s: Store, provider: string, jti: string, until = later) => s.logOutOnce(provider, { jti, until }, { subject: "nobody" });
    expect(await take(a, "corp", "j1")).toBe(0);
    expect(await take(b, "corp", "j1")).toBeUndefined();
    // Control: another jti, and the same jti of another provider, are other tokens.
    expect(await take(b, "corp", "j2")).toBe(0);
    expect(await take(b, "staff", "j1")).toBe(0);
    // One past its time is forgotten (it would be refused before the store is asked).
    expect(await take(a, "corp", "old", new Date(Date.now() - 1000).toISOString())).toBe(0);
    expect(await take(b, "corp", "old")).toBe(0);
  });

  it("attack: keeps no back-channel logout token whose sessions could not be ended: the provider's retry of it ends them", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const later = new Date(Date.now() + 300_000).toISOString();
    const sso = { provider: "corp", subject: "ada", sid: "p1", groups: [], checkedAt: "2026-01-01T00:00:00.000Z" };
    await a.openConsoleSession({ key: "s1", login: "sso:corp:ada", expiresAt: later, sso });
    // The database refuses to end the session (a full disk, a lost connection: here a trigger).
    await env.sql(
      adapter.name === "sqlite"
        ? "CREATE TRIGGER refuse_end BEFORE DELETE ON console_sessions BEGIN SELECT RAISE(ABORT, 'refused'); END;"
        : `CREATE FUNCTION refuse_end() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql;
           CREATE TRIGGER refuse_end BEFORE DELETE ON console_sessions FOR EACH ROW EXECUTE FUNCTION refuse_end();`,
    );
    const logout = (s: Store) => s.logOutOnce("corp", { jti: "j1", until: later }, { subject: "ada", sid: "p1" });
    await expect(logout(a)).rejects.toThrow(/refused/);
    expect((await b.consoleSession("s1"))?.login).toBe("sso:corp:ada");
    await env.sql(`DROP TRIGGER refuse_end${adapter.name === "sqlite" ? "" : " ON console_sessions"}`);
    // The provider's retry of the same token is no replay, and ends the session; a replay after that is.
    expect(await logout(b)).toBe(1);
    expect(await a.consoleSession("s1")).toBeUndefined();
    expect(await logout(a)).toBeUndefined();
  });

  it("keeps an SSO session's groups and tokens server-side: one check at a time, its answer for every replica, ended by a logout's sid or sub", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const later = new Date(Date.now() + 3600_000).toISOString();
    const at = "2026-01-01T00:00:00.000Z";
    const sso = (sid: string, subject = "ada") => ({
      provider: "corp",
      subject,
      sid,
      groups: ["platform"],
      checkedAt: at,
      sealedTokens: "v1.x",
    });
    await a.openConsoleSession({ key: "s1", login: "sso:corp:ada", expiresAt: later, sso: sso("p1") });
    await a.openConsoleSession({ key: "s2", login: "sso:corp:ada", expiresAt: later, sso: sso("p2") });
    await a.openConsoleSession({ key: "s3", login: "sso:corp:bob", expiresAt: later, sso: sso("p3", "bob") });
    expect((await b.consoleSession("s1"))?.sso).toEqual(sso("p1"));
    // One claim at a time (the other replica waits for its answer), and only of the check read as due.
    const until = "2026-01-01T00:05:30.000Z";
    expect(await a.claimSsoCheck("s1", at, "2026-01-01T00:05:00.000Z", until)).toBe(true);
    expect(await b.claimSsoCheck("s1", at, "2026-01-01T00:05:01.000Z", until)).toBe(false);
    await a.recordSsoCheck("s1", { groups: ["eng"], checkedAt: "2026-01-01T00:05:02.000Z", sealedTokens: "v1.y" });
    expect((await b.consoleSession("s1"))?.sso).toMatchObject({
      groups: ["eng"],
      checkedAt: "2026-01-01T00:05:02.000Z",
      sealedTokens: "v1.y",
    });
    expect(await b.claimSsoCheck("s1", at, "2026-01-01T00:10:00.000Z", until)).toBe(false);
    // A claim let go (the provider could not be asked) is taken by the next request.
    expect(await b.claimSsoCheck("s2", at, "2026-01-01T00:05:00.000Z", until)).toBe(true);
    await b.releaseSsoCheck("s2");
    expect(await a.claimSsoCheck("s2", at, "2026-01-01T00:05:00.000Z", until)).toBe(true);
    // Back-channel logout: by sid, that session alone; by sub, all of the user's; neither, nothing.
    expect(await b.endSsoSessions("corp", {})).toBe(0);
    expect(await b.endSsoSessions("other", { subject: "ada" })).toBe(0);
    expect(await b.endSsoSessions("corp", { sid: "p1" })).toBe(1);
    expect(await a.consoleSession("s1")).toBeUndefined();
    expect(await a.consoleSession("s2")).toBeDefined();
    expect(await b.endSsoSessions("corp", { subject: "ada" })).toBe(1);
    expect(await a.consoleSession("s2")).toBeUndefined();
    expect((await a.consoleSession("s3"))?.login).toBe("sso:corp:bob");
    // By sub and sid: that session, and the user's sessions whose ID token named none (not another one's).
    const { sid: _none, ...noSid } = sso("unused", "bob");
    await a.openConsoleSession({ key: "s4", login: "sso:corp:bob", expiresAt: later, sso: noSid });
    await a.openConsoleSession({ key: "s5", login: "sso:corp:bob", expiresAt: later, sso: sso("p5", "bob") });
    expect(await b.endSsoSessions("corp", { subject: "bob", sid: "p3" })).toBe(2);
    expect([await a.consoleSession("s3"), await a.consoleSession("s4")]).toEqual([undefined, undefined]);
    expect((await a.consoleSession("s5"))?.login).toBe("sso:corp:bob");
  });

  it("keeps API tokens as digests: usable until revoked or expired, the same on every replica", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const later = new Date(Date.now() + 3600_000).toISOString();
    const t = await a.addApiToken({
      name: "ci",
      digest: "d1",
      scopes: ["read", "operate"],
      repos: ["acme/*"],
      createdBy: "alice",
      expiresAt: later,
    });
    await a.addApiToken({
      name: "old",
      digest: "d2",
      scopes: ["read"],
      repos: [],
      createdBy: "alice",
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect(t).toMatchObject({ name: "ci", scopes: ["read", "operate"], repos: ["acme/*"], createdBy: "alice", expiresAt: later });
    expect(await b.usableApiToken("d1")).toMatchObject({ id: t.id, name: "ci", lastUsedAt: expect.any(String) });
    // Control: an expired token and an unknown digest are not usable.
    expect(await b.usableApiToken("d2")).toBeUndefined();
    expect(await b.usableApiToken("nope")).toBeUndefined();
    expect((await a.apiTokens()).map((x) => x.name)).toEqual(["old", "ci"]);
    expect(await b.revokeApiToken(t.id, "root")).toBe(true);
    expect(await a.revokeApiToken(t.id, "root")).toBe(false);
    expect(await a.usableApiToken("d1")).toBeUndefined();
    expect((await a.apiTokens()).find((x) => x.id === t.id)).toMatchObject({ revokedBy: "root", revokedAt: expect.any(String) });
    // Nothing in the table is the token: only the digest the caller gave.
    await expect(
      a.addApiToken({ name: "dup", digest: "d1", scopes: ["read"], repos: [], createdBy: "x", expiresAt: later }),
    ).rejects.toThrow();
    // A user their provider refused: every live token they issued goes at once, no one else's.
    const mine = await a.addApiToken({
      name: "m1",
      digest: "m1",
      scopes: ["read"],
      repos: [],
      createdBy: "sso:corp:ada",
      expiresAt: later,
    });
    const theirs = await a.addApiToken({
      name: "o1",
      digest: "o1",
      scopes: ["read"],
      repos: [],
      createdBy: "sso:corp:bob",
      expiresAt: later,
    });
    expect(await b.revokeApiTokensIssuedBy({ actor: "sso:corp:ada" }, "sluice")).toEqual([mine.id]);
    expect(await a.revokeApiTokensIssuedBy({ actor: "sso:corp:ada" }, "sluice")).toEqual([]);
    expect(await a.usableApiToken("m1")).toBeUndefined();
    expect((await a.usableApiToken("o1"))?.id).toBe(theirs.id);
  });

  it("revokes an SSO user's API tokens by their provider's issuer and sub, whatever its name; older tokens by their name, refused", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const later = new Date(Date.now() + 3600_000).toISOString();
    const X = "https://login.example.test";
    const Y = "https://other.example.test";
    const add = (digest: string, createdBy: string, sso?: { provider?: string; issuer?: string; subject: string }) =>
      a.addApiToken({
        name: digest,
        digest,
        scopes: ["read"],
        repos: [],
        createdBy,
        ...(sso ? { createdBySso: { provider: sso.provider ?? "corp", issuer: sso.issuer ?? X, subject: sso.subject } } : {}),
        expiresAt: later,
      });
    // Ada's tokens under her name before and after a rename, and under the provider's name before
    // the operator renamed it (staff → corp, the same issuer); one from before Sluice recorded
    // subjects; Eve's under the name Ada gave up; the same sub of another issuer, which the name
    // corp was pointed at before.
    const before = await add("t1", "sso:corp:ada", { subject: "u-ada" });
    const after = await add("t2", "sso:corp:ada2", { subject: "u-ada" });
    const legacy = await add("t3", "sso:corp:ada2");
    const eve = await add("t4", "sso:corp:ada", { subject: "u-eve" });
    const otherIssuer = await add("t5", "sso:corp:ada2", { issuer: Y, subject: "u-ada" });
    const renamed = await add("t6", "sso:staff:ada2", { provider: "staff", subject: "u-ada" });
    const github = await add("t7", "alice");
    // One issued between migrations 18 and 20: its provider's name and sub, no issuer.
    const unpinned = await add("t8", "sso:corp:ada2", { subject: "u-ada" });
    // And Eve's of then, under the name Ada has now (the two shared it): hers by its sub, not Ada's by the name.
    const evesThen = await add("t9", "sso:corp:ada2", { subject: "u-eve" });
    await env.sql("UPDATE api_tokens SET sso_issuer = NULL WHERE digest IN ('t8', 't9')");
    expect((await b.apiTokens()).find((t) => t.id === unpinned.id)).toMatchObject({ issuerUnknown: true, createdBy: "sso:corp:ada2" });
    expect((await b.apiTokens()).find((t) => t.id === unpinned.id)?.createdBySso).toBeUndefined();
    expect(after).toMatchObject({ createdBy: "sso:corp:ada2", createdBySso: { provider: "corp", issuer: X, subject: "u-ada" } });
    expect(legacy.createdBySso).toBeUndefined();
    // An SSO user's token without an issuer is marked (the API refuses it); a GitHub admin's is not.
    expect([legacy.issuerUnknown, after.issuerUnknown, github.issuerUnknown]).toEqual([true, undefined, undefined]);
    const ada = { actor: "sso:corp:ada2", sso: { provider: "corp", issuer: X, subject: "u-ada" } };
    const revoked = await b.revokeApiTokensIssuedBy(ada, "sluice");
    expect(revoked.sort((x, y) => x - y)).toEqual([before.id, after.id, legacy.id, renamed.id, unpinned.id]);
    // Control: the account that took the old name, and the same sub of another issuer, keep theirs.
    expect((await a.usableApiToken("t4"))?.id).toBe(eve.id);
    expect((await a.usableApiToken("t5"))?.id).toBe(otherIssuer.id);
    expect((await a.usableApiToken("t7"))?.id).toBe(github.id);
    expect((await a.apiTokens()).find((t) => t.id === evesThen.id)?.revokedAt).toBeUndefined();
    // Whose the console takes them to be (its tokens pages, the chains revoked with them): the same.
    const hers = (await b.apiTokens()).filter((t) => issuedBy(t, ada)).map((t) => t.id);
    expect(hers.sort((x, y) => x - y)).toEqual(revoked);
    expect((await b.apiTokens()).find((t) => t.id === evesThen.id)?.legacySso).toEqual({ provider: "corp", subject: "u-eve" });
  });

  it("keeps who pushed each head of a pull request, once per login, the same on every replica", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const sha = "a".repeat(40);
    expect(await b.headPushers("acme/infra", 7, sha)).toEqual([]);
    await a.recordHeadPush("acme/infra", 7, sha, "bob");
    // A replayed event adds nothing; a force-push back to the same commit by another adds them.
    await b.recordHeadPush("acme/infra", 7, sha, "bob");
    await sleep(5);
    await b.recordHeadPush("acme/infra", 7, sha, "alice");
    expect(await a.headPushers("acme/infra", 7, sha)).toEqual(["bob", "alice"]);
    // Control: another commit, pull request or repository has pushers of its own.
    expect(await a.headPushers("acme/infra", 7, "b".repeat(40))).toEqual([]);
    expect(await a.headPushers("acme/infra", 8, sha)).toEqual([]);
    expect(await a.headPushers("acme/other", 7, sha)).toEqual([]);
    // Of any pull request of the repository (one branch, two PRs): each pusher once.
    await a.recordHeadPush("acme/infra", 8, sha, "carol", undefined, 77);
    await a.recordHeadPush("acme/infra", 8, sha, "bob");
    expect(await b.headPushers("acme/infra", undefined, sha)).toEqual(["bob", "alice", "carol"]);
    expect(await b.headPusherIds("acme/infra", undefined, sha)).toEqual([77]);
    expect(await b.headPushers("acme/other", undefined, sha)).toEqual([]);
  });

  it("keeps each pusher's account id (a renamed login is still that account): heard once, never lost to a replay without one", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const sha = "e".repeat(40);
    await a.recordHeadPush("acme/infra", 10, sha, "bob", "2026-11-27T11:00:00Z", 4242);
    await b.recordHeadPush("acme/infra", 10, sha, "bob", "2026-11-27T12:00:00Z");
    expect(await b.headPusherIds("acme/infra", 10, sha)).toEqual([4242]);
    // The later push still moved the time on.
    expect(await a.headPushedAt("acme/infra", 10, sha)).toBe("2026-11-27T12:00:00.000Z");
    // Control: a push heard with no id (an older event) names no account; another head has its own.
    await b.recordHeadPush("acme/infra", 10, sha, "alice");
    expect(await a.headPusherIds("acme/infra", 10, sha)).toEqual([4242]);
    expect(await a.headPusherIds("acme/infra", 10, "f".repeat(40))).toEqual([]);
  });

  it("says when a head was last pushed, as GitHub timed it: a replay of an older push never moves it back", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const sha = "c".repeat(40);
    expect(await a.headPushedAt("acme/infra", 9, sha)).toBeUndefined();
    await a.recordHeadPush("acme/infra", 9, sha, "bob", "2026-11-27T11:00:05Z");
    await b.recordHeadPush("acme/infra", 9, sha, "bob", "2026-11-27T10:00:00Z");
    expect(await b.headPushedAt("acme/infra", 9, sha)).toBe("2026-11-27T11:00:05.000Z");
    // Pushed again later (force-pushed away and back): the later time.
    await b.recordHeadPush("acme/infra", 9, sha, "bob", "2026-11-27T12:00:00Z");
    expect(await a.headPushedAt("acme/infra", 9, sha)).toBe("2026-11-27T12:00:00.000Z");
    // Control: another head has its own.
    expect(await a.headPushedAt("acme/infra", 9, "d".repeat(40))).toBeUndefined();
  });

  it("tells a head heard pushed, then moved away from (another head heard after it): a push back not heard", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const [x, y] = ["a".repeat(40), "b".repeat(40)];
    await a.recordHeadPush("acme/infra", 12, x, "bob", "2026-11-27T10:00:00Z");
    expect(await b.headMovedAwaySince("acme/infra", 12, x)).toBe(false);
    expect(await b.otherHeadPushedAt("acme/infra", 12, x)).toBeUndefined();
    await b.recordHeadPush("acme/infra", 12, y, "bob", "2026-11-27T10:05:00Z");
    expect(await a.headMovedAwaySince("acme/infra", 12, x)).toBe(true);
    // When another head was last heard pushed (the time a head back after it is kept past).
    expect(await a.otherHeadPushedAt("acme/infra", 12, x)).toBe("2026-11-27T10:05:00.000Z");
    expect(await a.otherHeadPushedAt("acme/infra", 12, y)).toBe("2026-11-27T10:00:00.000Z");
    // Control: the head heard last is not; the push back heard moves it on; another PR's push is not this one's.
    expect(await a.headMovedAwaySince("acme/infra", 12, y)).toBe(false);
    await a.recordHeadPush("acme/infra", 13, y, "bob", "2026-11-27T11:00:00Z");
    expect(await b.headMovedAwaySince("acme/infra", 12, y)).toBe(false);
    await a.recordHeadPush("acme/infra", 12, x, "carol", "2026-11-27T10:15:00Z");
    expect(await b.headMovedAwaySince("acme/infra", 12, x)).toBe(false);
    // Moved on within the same second (GitHub's times are whole seconds): moved away all the same.
    const z = "c".repeat(40);
    await a.recordHeadPush("acme/infra", 12, z, "alice", "2026-11-27T10:15:00Z");
    expect(await b.headMovedAwaySince("acme/infra", 12, x)).toBe(true);
  });

  it("forgets a merged pull request's pushes, on every replica; another pull request's stay", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const [sha, other] = ["e".repeat(40), "f".repeat(40)];
    await a.recordHeadPush("acme/infra", 11, sha, "bob", "2026-11-27T11:00:05Z");
    await a.recordHeadPush("acme/infra", 11, other, "alice", "2026-11-27T11:00:06Z");
    // Control: the same number in another repository, and another pull request of this one.
    await a.recordHeadPush("acme/other", 11, sha, "bob", "2026-11-27T11:00:05Z");
    await a.recordHeadPush("acme/infra", 12, sha, "carol", "2026-11-27T11:00:05Z");
    expect(await b.forgetHeadPushes("acme/infra", 11)).toBe(2);
    expect(await a.headPushers("acme/infra", 11, sha)).toEqual([]);
    expect(await a.headPushedAt("acme/infra", 11, other)).toBeUndefined();
    expect(await a.headPushers("acme/other", 11, sha)).toEqual(["bob"]);
    expect(await a.headPushers("acme/infra", 12, sha)).toEqual(["carol"]);
    expect(await b.forgetHeadPushes("acme/infra", 11)).toBe(0);
  });

  it("keeps a state terraform could not save with its hold, until released, the same on every replica", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const state = Buffer.from('{"version":4,"serial":3,"lineage":"l-1","resources":[]}');
    const base = {
      repo: "acme/infra",
      dir: "envs/net",
      workspace: "default",
      project: "net",
      pr: 7,
      jobId: 12,
      message: "Error: 500",
      // The backend that refused it, as a digest: the push goes into that one only.
      backend: "0f".repeat(32),
    };
    expect(await b.openStateHold("acme/infra", "envs/net", "default")).toBeUndefined();
    const hold = await a.holdState({ ...base, state });
    expect(hold).toMatchObject({ ...base, id: expect.any(Number), createdAt: expect.any(String) });
    expect(await b.openStateHold("acme/infra", "envs/net", "default")).toEqual(hold);
    // Control: another workspace or dir of the repo is not held.
    expect(await b.openStateHold("acme/infra", "envs/net", "staging")).toBeUndefined();
    expect(await b.openStateHold("acme/infra", "envs", "default")).toBeUndefined();
    // Found by its backend too, from any dir: the same backend named elsewhere is the same state.
    expect(await b.openStateHoldOnBackend("acme/infra", "0f".repeat(32), "default")).toEqual(hold);
    expect(await b.openStateHoldOnBackend("acme/infra", "0f".repeat(32), "staging")).toBeUndefined();
    expect(await b.openStateHoldOnBackend("acme/infra", "1e".repeat(32), "default")).toBeUndefined();
    expect(await b.openStateHoldOnBackend("acme/other", "0f".repeat(32), "default")).toBeUndefined();
    expect(Buffer.from((await b.heldState(hold.id)) ?? "").equals(state)).toBe(true);
    expect(await a.stateHolds()).toEqual([hold]);
    expect(await b.releaseStateHold(hold.id, "alice")).toBe(true);
    expect(await a.releaseStateHold(hold.id, "alice")).toBe(false);
    expect(await a.openStateHold("acme/infra", "envs/net", "default")).toBeUndefined();
    expect(await a.openStateHoldOnBackend("acme/infra", "0f".repeat(32), "default")).toBeUndefined();
    expect(await a.stateHolds()).toEqual([]);
    // Once pushed, the backend holds the state: the store no longer does.
    expect(await a.heldState(hold.id)).toBeUndefined();
  });

  it("lists the repositories it ran jobs for", async () => {
    await fresh();
    const [a, b] = await twoStores();
    expect(await b.knownRepos()).toEqual([]);
    await a.enqueueInternal(target(1), { kind: "unlock", command: { kind: "unlock", filter: {} }, actor: "x" } as JobSpec);
    expect(await b.knownRepos()).toEqual(["acme/infra"]);
  });

  it("keeps the OIDC signing keys for every replica: a token one mints verifies with the key set the other serves", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const minter = createOidcIssuer({ issuer: "https://sluice.example", keys: a });
    const server = createOidcIssuer({ issuer: "https://sluice.example", keys: b });
    const claims = {
      repository: "acme/infra",
      project: "net",
      workspace: "default",
      phase: "plan" as const,
      head_sha: "a",
      base_ref: "main",
      actor: "bob",
    };
    const { token } = await minter.mint(claims, "aud", 60_000);
    const { payload } = await jwtVerify(token, createLocalJWKSet(await server.jwks()), { audience: "aud" });
    expect(payload.sub).toBe("repo:acme/infra:project:net:workspace:default:phase:plan");
    // Both sign with the one key: no second key appears when the other replica mints.
    await server.mint(claims, "aud", 60_000);
    expect((await a.signingKeys()).length).toBe(1);
    await a.addSigningKey({ kid: "k", alg: "RS256", privateJwk: "{}", publicJwk: "{}", createdAt: 1, signsFrom: 2 });
    await a.addSigningKey({ kid: "k", alg: "RS256", privateJwk: "{}", publicJwk: "{}", createdAt: 9, signsFrom: 9 });
    expect((await b.signingKeys()).find((k) => k.kid === "k")?.signsFrom).toBe(2);
    await b.removeSigningKey("k");
    expect((await a.signingKeys()).map((k) => k.kid)).not.toContain("k");
  });

  it("lifts the pause of applies only when set before the resume, one step against a newer pause", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const tick = () => new Promise((r) => setTimeout(r, 3));
    expect(await a.resumeApplies(new Date().toISOString())).toEqual({});
    for (let i = 0; i < 10; i++) {
      await a.setAppliesPaused({ by: "root", reason: `old ${i}` });
      await tick();
      // The resume's comment: written after the old pause, before the newer one.
      const asked = new Date().toISOString();
      await tick();
      // The newer pause lands on another replica at once, before or after the resume's delete.
      const [, left] = await Promise.all([b.setAppliesPaused({ by: "ops", reason: `new ${i}` }), a.resumeApplies(asked)]);
      expect((await b.appliesPaused())?.reason).toBe(`new ${i}`);
      expect([undefined, `new ${i}`]).toContain(left.still?.reason);
      // What it lifted, it says: the old pause (the newer one landed after), or none (it landed first).
      expect([undefined, `old ${i}`]).toContain(left.lifted?.reason);
      // Control: asked after it, the resume lifts it.
      await tick();
      expect(await b.resumeApplies(new Date().toISOString())).toMatchObject({ lifted: { reason: `new ${i}` } });
      expect((await b.resumeApplies(new Date().toISOString())).still).toBeUndefined();
      expect(await a.appliesPaused()).toBeUndefined();
    }
  });

  it("lifts the pause of applies set at the instant given only when asked to (a page's shown pause)", async () => {
    await fresh();
    const [a, b] = await twoStores();
    await a.setAppliesPaused({ by: "root", reason: "shown" });
    const at = (await b.appliesPaused())?.at as string;
    expect((await b.resumeApplies(at)).still?.reason).toBe("shown");
    expect(await b.resumeApplies(at, true)).toMatchObject({ lifted: { reason: "shown" } });
    expect(await a.appliesPaused()).toBeUndefined();
  });

  it("keeps the audit trail and the global pause of applies", async () => {
    await fresh();
    const [a, b] = await twoStores();
    expect(await b.appliesPaused()).toBeUndefined();
    await a.setAppliesPaused({ by: "root", reason: "incident 42" });
    expect(await b.appliesPaused()).toEqual({ by: "root", reason: "incident 42", at: expect.any(String) });
    await a.setAppliesPaused({ by: "root2", reason: "still" });
    expect((await b.appliesPaused())?.by).toBe("root2");
    await b.setAppliesPaused(undefined);
    expect(await a.appliesPaused()).toBeUndefined();

    const first = await a.recordAudit({
      actor: "Alice",
      action: "unlock",
      repo: "acme/infra",
      project: "net",
      pr: 3,
      detail: "released net",
    });
    const second = await b.recordAudit({ actor: "root", action: "pause", detail: "incident 42" });
    expect(second).toBeGreaterThan(first);
    expect((await a.auditEvents({})).map((e) => e.id)).toEqual([second, first]);
    expect(await a.auditEvents({ actor: "alice" })).toEqual([
      {
        id: first,
        at: expect.any(String),
        actor: "Alice",
        action: "unlock",
        repo: "acme/infra",
        project: "net",
        pr: 3,
        detail: "released net",
      },
    ]);
    expect((await a.auditEvents({ action: "pause" }))[0]).toMatchObject({ actor: "root", repo: undefined, pr: undefined });
    expect(await a.auditEvents({ repo: "acme/other" })).toEqual([]);
    expect(await a.auditEvents({ limit: 1 })).toHaveLength(1);
    // The next page: the events older than the last one read (the console reads its viewer's so).
    expect((await a.auditEvents({ limit: 1, beforeId: second })).map((e) => e.id)).toEqual([first]);
    expect(await a.auditEvents({ beforeId: first })).toEqual([]);
  });

  it("keeps policy outcomes and approvals per plan hash, across replicas or restarts", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const key = { repo: "acme/infra", pr: 7, planHash: "sha256:one" };
    const other = { ...key, planHash: "sha256:two" };
    expect(await a.policyCheckOf(key)).toBeUndefined();
    const failed = { sets: [{ name: "deny", status: "failed" as const, successes: 1, failures: ["no terraform_data"], warnings: [] }] };
    await a.savePolicyCheck(key, failed);
    expect(await b.policyCheckOf(key)).toEqual(failed);
    expect(await b.policyCheckOf(other)).toBeUndefined();
    const passed = { sets: [{ name: "deny", status: "passed" as const, successes: 2, warnings: [] }] };
    await b.savePolicyCheck(key, passed);
    expect(await a.policyCheckOf(key)).toEqual(passed);

    const twoFailed = {
      sets: [...failed.sets, { name: "tags", status: "failed" as const, successes: 0, failures: ["no tags"], warnings: [] }],
    };
    await a.savePolicyCheck(key, twoFailed);
    expect(await a.approvePolicies(key, "alice", ["deny", "tags"], twoFailed)).toEqual(["deny", "tags"]);
    await b.approvePolicies(key, "alice", ["deny"], twoFailed);
    await b.approvePolicies(key, "bob", ["deny"], twoFailed);
    expect(await a.policyApprovals(key)).toEqual([
      { policySet: "deny", user: "alice" },
      { policySet: "tags", user: "alice" },
      { policySet: "deny", user: "bob" },
    ]);
    // Another plan of the same PR has none of them: approvals stick to the plan they were given for.
    expect(await a.policyApprovals(other)).toEqual([]);
    expect(await b.policyApprovals({ ...key, pr: 8 })).toEqual([]);
    expect(await b.clearPolicyApprovals(key)).toBe(3);
    expect(await a.policyApprovals(key)).toEqual([]);
  });

  it("a plan made again alike (the same bytes, the same hash) whose set now fails otherwise loses that set's approvals", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const key = { repo: "acme/infra", pr: 9, planHash: "sha256:same" };
    const failing = (...failures: string[]) => ({ name: "deny", status: "failed" as const, successes: 0, failures, warnings: [] });
    const tags = { name: "tags", status: "failed" as const, successes: 0, failures: ["no tags"], warnings: [] };
    const seen = { sets: [failing("x: needs review"), tags] };
    await a.savePolicyCheck(key, seen);
    await a.approvePolicies(key, "sec", ["deny", "tags"], seen);
    // Control: the same failures (any order) keep the approvals.
    await b.savePolicyCheck(key, { sets: [failing("x: needs review"), tags] });
    expect(await a.policyApprovals(key)).toHaveLength(2);
    // The policy was reworded between the two plans: `deny`'s approval was not given for this.
    await b.savePolicyCheck(key, { sets: [failing("x: reworded"), tags] });
    expect(await a.policyApprovals(key)).toEqual([{ policySet: "tags", user: "sec" }]);
    // An approval of what was read before that re-check, recorded after it, is not recorded either
    // (the owner read `x: needs review`); the set whose failures did not change is.
    expect(await b.approvePolicies(key, "ops", ["deny", "tags"], seen)).toEqual(["tags"]);
    expect(await a.policyApprovals(key)).toEqual([
      { policySet: "tags", user: "sec" },
      { policySet: "tags", user: "ops" },
    ]);
    // Nor one of a set that passes now.
    await b.savePolicyCheck(key, { sets: [{ name: "deny", status: "passed", successes: 1, warnings: [] }, tags] });
    expect(await b.approvePolicies(key, "sec", ["deny"], seen)).toEqual([]);
  });

  it.runIf(adapter.shared)("tells every replica at once when another queues a job (not on duplicates or plain deliveries)", async () => {
    await fresh();
    const [a, b] = await twoStores();
    let heard = 0;
    const stop = await b.watchNewJobs?.(() => {
      heard++;
    });
    expect(stop).toBeDefined();
    try {
      await a.recordDelivery("d-notify-1", "pull_request", { target: target(1), spec });
      expect(
        await eventually(
          async () => heard,
          (n) => n >= 1,
        ),
      ).toBe(1);
      await a.recordDelivery("d-notify-1", "pull_request", { target: target(1), spec });
      await a.recordDelivery("d-notify-ping", "ping", undefined);
      await a.enqueueInternal(target(2), spec);
      // The internal job's notice arrives after the two that sent none: one more, not three.
      expect(
        await eventually(
          async () => heard,
          (n) => n >= 2,
        ),
      ).toBe(2);
    } finally {
      await stop?.();
    }
  });

  it.runIf(!adapter.shared)("has no job notices to watch: its one process hears of its jobs directly", async () => {
    await fresh();
    expect((await env.open()).watchNewJobs).toBeUndefined();
  });

  it.runIf(adapter.shared)("excludes run-lock holders across replicas, queues waiters in-process, frees a dead holder's lock", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const probe = overlapProbe();
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).runExclusive("acme/infra|net|default", () => probe.body(3))));
    expect(probe.maxInside).toBe(1);
    expect(probe.runs).toBe(10);

    const admin = new pg.Client({ connectionString: env.url });
    await admin.connect();
    try {
      const key = "acme/infra|db|default";
      const [classid, objid] = splitKey(advisoryKey("run", key));
      const lockRows = (granted: boolean) =>
        admin.query<{ pid: number }>(
          "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 1 AND granted = $3",
          [classid, objid, granted],
        );

      // A holds the lock; five more callers on A wait in-process, one caller on B waits in the database.
      let releaseA!: () => void;
      const holding = new Promise<void>((r) => {
        releaseA = r;
      });
      let aHolds = false;
      const first = a.runExclusive(key, async () => {
        aHolds = true;
        await holding;
      });
      await eventually(async () => aHolds, Boolean);
      const localWaiters = Array.from({ length: 5 }, () => a.runExclusive(key, async () => undefined));
      let bRan = false;
      const fromB = b.runExclusive(key, async () => {
        bRan = true;
      });
      const waiting = await eventually(
        () => lockRows(false),
        (r) => r.rows.length >= 1,
      );
      await sleep(50);
      expect((await lockRows(false)).rows).toHaveLength(1);
      expect(bRan).toBe(false);

      // A's session dies (as when its process is killed): the database frees the lock and B runs.
      const holder = (await lockRows(true)).rows[0]?.pid;
      expect(holder).toBeDefined();
      expect(waiting.rows[0]?.pid).not.toBe(holder);
      await admin.query("SELECT pg_terminate_backend($1)", [holder]);
      await fromB;
      expect(bRan).toBe(true);
      releaseA();
      await first;
      await Promise.all(localWaiters);
      expect((await lockRows(true)).rows).toHaveLength(0);
    } finally {
      await admin.end();
    }
  });

  it.runIf(adapter.shared)("never recovers a live replica's work, and gives a dead one's to exactly one replica", async () => {
    await fresh();
    const a = await env.open();
    const jobs: number[] = [];
    for (let i = 0; i < 6; i++)
      jobs.push((await a.recordDelivery(`d-${i}`, "pull_request", { target: target(i), spec: i ? spec : applySpec })).jobId as number);
    for (let i = 0; i < 6; i++) await a.claimNextJob();
    const applyId = await a.recordApplyStart({ jobId: jobs[0] as number, repo: "acme/infra", pr: 0, project: "net", planId: 1 });

    // B and C start while A is alive and busy: nothing of A's is theirs to recover.
    const [b, c] = [await env.open(), await env.open()];
    expect(await b.interruptStartedApplies()).toEqual({ applies: [], live: [] });
    expect(await b.runningJobs()).toEqual([]);
    expect(await c.runningJobs()).toEqual([]);
    expect((await b.getJob(jobs[0] as number))?.status).toBe("running");

    // A dies. B and C recover at the same time: each job and apply goes to exactly one of them.
    await a.close();
    const applies = await eventually(
      async () => (await Promise.all([b.interruptStartedApplies(), c.interruptStartedApplies()])).flatMap((r) => r.applies),
      (r) => r.length > 0,
    );
    expect(applies.map((x) => x.id)).toEqual([applyId]);
    const [fromB, fromC] = await Promise.all([b.runningJobs(), c.runningJobs()]);
    const recovered = [...fromB, ...fromC].map((j) => j.id).sort((x, y) => x - y);
    expect(recovered).toEqual(jobs);
    // Adopted by a live replica now: nobody else recovers them again.
    const d = await env.open();
    expect(await d.runningJobs()).toEqual([]);
    expect(await d.interruptStartedApplies()).toEqual({ applies: [], live: [] });
  });

  it.runIf(adapter.shared)("marks a replica alive again after its liveness session is cut", async () => {
    await fresh();
    const a = (await env.open()) as PostgresStore;
    const admin = new pg.Client({ connectionString: env.url });
    await admin.connect();
    try {
      const [classid, objid] = splitKey(advisoryKey("replica", a.owner));
      const holders = () =>
        admin.query<{ pid: number }>(
          "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 1 AND granted",
          [classid, objid],
        );
      const before = (await holders()).rows[0]?.pid;
      expect(before).toBeDefined();
      await admin.query("SELECT pg_terminate_backend($1)", [before]);
      const after = await eventually(holders, (r) => r.rows.length === 1 && r.rows[0]?.pid !== before);
      expect(after.rows[0]?.pid).not.toBe(before);
      // Still alive to the others: its running job is not recovered.
      await a.recordDelivery("d-1", "pull_request", { target: target(1), spec });
      await a.claimNextJob();
      expect(await (await env.open()).runningJobs()).toEqual([]);
    } finally {
      await admin.end();
    }
  });

  it("claims each due drift run once across two stores, and a restart neither loses nor repeats one", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const driftSpec: JobSpec = { kind: "drift", trigger: "schedule", projects: ["net"], actor: "sluice" };
    expect(await b.nextDriftDueAt()).toBeUndefined();
    await a.syncDriftSchedules("acme/infra", target(0), [{ cron: "*/5 * * * *", projects: ["net", "app"], nextRunAt: 1_000 }]);
    expect(await b.nextDriftDueAt()).toBe(1_000);
    expect(await b.dueDriftSchedules(999)).toEqual([]);
    const due = await b.dueDriftSchedules(1_000);
    expect(due).toEqual([{ repo: "acme/infra", cron: "*/5 * * * *", projects: ["net", "app"], nextRunAt: 1_000 }]);
    // Both replicas see the same due run and race for it 10 times: one job in total.
    const run = { repo: "acme/infra", cron: "*/5 * * * *", due: 1_000, next: 2_000 };
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claimDriftRun(run, driftSpec)));
    const won = claims.flatMap((c) => (c && "jobId" in c ? [c.jobId] : []));
    expect(won).toHaveLength(1);
    expect(claims.filter((c) => c !== undefined)).toHaveLength(1);
    expect(await a.getJob(won[0] as number)).toMatchObject({ spec: driftSpec, target: target(0), status: "queued" });
    expect(await a.dueDriftSchedules(1_999)).toEqual([]);
    // Syncing the same cron again (config reloaded) keeps the stored next run; a new cron starts fresh.
    await b.syncDriftSchedules("acme/infra", target(0), [
      { cron: "*/5 * * * *", projects: ["net"], nextRunAt: 9_999 },
      { cron: "0 * * * *", projects: ["db"], nextRunAt: 5_000 },
    ]);
    expect((await a.dueDriftSchedules(2_000)).map((d) => [d.cron, d.projects, d.nextRunAt])).toEqual([["*/5 * * * *", ["net"], 2_000]]);
    // A restart between runs: the next run is still there, due once.
    await a.close();
    if (b !== a) await b.close();
    const c = await env.open();
    expect((await c.dueDriftSchedules(5_000)).map((d) => d.cron)).toEqual(["*/5 * * * *", "0 * * * *"]);
    expect(await c.nextDriftDueAt()).toBe(2_000);
    // The 1_000 run has not started: the 2_000 run is folded into it, and the schedule moves on.
    expect(await c.claimDriftRun({ ...run, due: 2_000, next: 3_000 }, driftSpec)).toEqual({ behind: won[0] });
    expect(await c.claimDriftRun({ ...run, due: 2_000, next: 3_000 }, driftSpec)).toBeUndefined();
    // Once it runs, the next due run is queued as a job of its own.
    expect((await c.claimNextJob())?.id).toBe(won[0]);
    expect(await c.claimDriftRun({ ...run, due: 3_000, next: 4_000 }, driftSpec)).toEqual({ jobId: expect.any(Number) });
    // A cron dropped from the config disappears.
    await c.syncDriftSchedules("acme/infra", target(0), []);
    expect(await c.dueDriftSchedules(1e15)).toEqual([]);
  });

  it("lifts a drift pause only when set before the resume, one step against a newer pause", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const tick = () => new Promise((r) => setTimeout(r, 3));
    for (let i = 0; i < 5; i++) {
      await a.setDriftPause("acme/infra", "net", { actor: "alice", reason: `old ${i}` });
      await tick();
      const asked = new Date().toISOString();
      await tick();
      // A newer pause (a failed reconcile's) lands on another replica at once.
      const [, left] = await Promise.all([
        b.setDriftPause("acme/infra", "net", { actor: "sluice", reason: `new ${i}` }),
        a.resumeDrift("acme/infra", "net", asked),
      ]);
      expect((await b.driftPauses("acme/infra")).map((p) => p.reason)).toEqual([`new ${i}`]);
      expect([undefined, `new ${i}`]).toContain(left.still?.reason);
      expect([undefined, `old ${i}`]).toContain(left.lifted?.reason);
      // Control: asked after it, the resume lifts it; another project's pause stays.
      await b.setDriftPause("acme/infra", "dns", { actor: "bob", reason: "freeze" });
      await tick();
      const resumed = await b.resumeDrift("acme/infra", "net", new Date().toISOString());
      expect(resumed.still).toBeUndefined();
      expect(resumed.lifted).toMatchObject({ project: "net", reason: `new ${i}` });
      expect((await a.driftPauses("acme/infra")).map((p) => p.project)).toEqual(["dns"]);
      await a.setDriftPause("acme/infra", "dns", undefined);
    }
  });

  it("keeps drift pauses, the live record, lock holders and applied-not-merged PRs", async () => {
    await fresh();
    const s = await env.open();
    await s.setDriftPause("acme/infra", "net", { actor: "alice", reason: "migration" });
    expect(await s.driftPauses("acme/infra")).toMatchObject([{ project: "net", actor: "alice", reason: "migration" }]);
    await s.setDriftPause("acme/infra", "net", undefined);
    expect(await s.driftPauses("acme/infra")).toEqual([]);

    const id = await s.recordLiveApplyStart({
      repo: "acme/infra",
      project: "net",
      dir: "net",
      workspace: "default",
      commitSha: "c".repeat(40),
      source: "drift-issue",
      number: 12,
      actor: "alice",
      approvers: ["bob"],
      planHash: "f".repeat(64),
    });
    expect(await s.liveApplies("acme/infra", "net")).toMatchObject([{ id, outcome: "started", source: "drift-issue", approvers: ["bob"] }]);
    await s.recordLiveApplyEnd(id, "succeeded", 7_000_000_001);
    expect(await s.liveApplies("acme/infra")).toMatchObject([
      { id, outcome: "succeeded", deploymentId: 7_000_000_001, finishedAt: expect.any(String) },
    ]);

    expect(await s.lockOn("acme/infra", "net", "default")).toBeUndefined();
    await s.takeLock(lock(4), target(4));
    expect(await s.lockOn("acme/infra", "net", "default")).toMatchObject({ pr: 4, project: "net" });
    // By scope: a sibling named project's lock on the dir is not this one's; the whole dir's is every one's.
    await s.takeLock(lock(6, "twins", "staging"), target(6));
    expect(await s.lockOn("acme/infra", "twins", "default", "prod")).toBeUndefined();
    expect(await s.lockOn("acme/infra", "twins", "default", "staging")).toMatchObject({ pr: 6, scope: "staging" });
    expect(await s.lockOn("acme/infra", "twins", "default")).toMatchObject({ pr: 6 });
    expect(await s.lockOn("acme/infra", "net", "default", "prod")).toMatchObject({ pr: 4, scope: "" });
    const p = await s.savePlan(plan({ pr: 4 }), FILE);
    expect(await s.appliedByPr("acme/infra", 4, "net", "default")).toBe(false);
    const a = await s.recordApplyStart({ jobId: 1, repo: "acme/infra", pr: 4, project: "net", planId: p.id });
    await s.recordApplyEnd(a, "succeeded");
    expect(await s.appliedByPr("acme/infra", 4, "net", "default")).toBe(true);
    expect(await s.appliedByPr("acme/infra", 4, "app", "default")).toBe(false);
    // Of the head asked for only: an apply of an earlier commit is not one of the head merged.
    expect(await s.appliedByPr("acme/infra", 4, "net", "default", p.headSha)).toBe(true);
    expect(await s.appliedByPr("acme/infra", 4, "net", "default", "e".repeat(40))).toBe(false);
    // Named (a sibling shares the dir and workspace): that project's own applies only.
    expect(await s.appliedByPr("acme/infra", 4, "net", "default", p.headSha, "net")).toBe(true);
    expect(await s.appliedByPr("acme/infra", 4, "net", "default", p.headSha, "net-staging")).toBe(false);
    // What the PR applied there, for its next teardown: the applies' summaries, of that dir only;
    // a failed one (it may have deleted part of its plan) too, said so; one refused untouched not.
    const failed = await s.recordApplyStart({ jobId: 3, repo: "acme/infra", pr: 4, project: "net", planId: p.id });
    await s.recordApplyEnd(failed, "failed");
    const refused = await s.recordApplyStart({ jobId: 4, repo: "acme/infra", pr: 4, project: "net", planId: p.id });
    await s.recordApplyEnd(refused, "refused");
    expect(await s.appliedSummariesOfPr("acme/infra", 4, "net", "default")).toEqual([
      { summary: p.summary, succeeded: true },
      { summary: p.summary, succeeded: false },
    ]);
    expect(await s.appliedSummariesOfPr("acme/infra", 4, "app", "default")).toEqual([]);
    // Where several base projects share the dir and workspace: only the one named's.
    expect(await s.appliedSummariesOfPr("acme/infra", 4, "net", "default", "net")).toHaveLength(2);
    expect(await s.appliedSummariesOfPr("acme/infra", 4, "net", "default", "net-staging")).toEqual([]);

    // A crash mid-apply: after a restart the live record says interrupted, like the apply record.
    const crashed = await s.recordApplyStart({ jobId: 2, repo: "acme/infra", pr: 5, project: "net", planId: 0 });
    const liveCrashed = await s.recordLiveApplyStart({
      repo: "acme/infra",
      project: "net",
      dir: "net",
      workspace: "default",
      commitSha: "d".repeat(40),
      source: "reconcile",
      number: 0,
      actor: "sluice",
      approvers: [],
      planHash: "e".repeat(64),
    });
    // Its Deployment is kept as soon as GitHub made it, before the tool runs.
    await s.recordLiveApplyDeployment(liveCrashed, 7_000_000_002);
    await s.close();
    const after = await env.open();
    const interrupted = await eventually(
      () => after.interruptStartedApplies(),
      (r) => r.applies.length > 0,
    );
    expect(interrupted.applies.map((a) => a.id)).toEqual([crashed]);
    // The live rows come back once, with their Deployment to end.
    expect(interrupted.live).toMatchObject([{ id: liveCrashed, outcome: "interrupted", deploymentId: 7_000_000_002 }]);
    expect((await after.interruptStartedApplies()).live).toEqual([]);
    expect((await after.liveApplies("acme/infra", "net")).find((l) => l.id === liveCrashed)).toMatchObject({ outcome: "interrupted" });
  });

  it("keeps each project's last drift check across a restart, and every repo's pauses", async () => {
    await fresh();
    const s = await env.open();
    const at = "2026-03-04T05:06:07.000Z";
    await s.recordDriftCheck({
      repo: "acme/infra",
      project: "net",
      status: "drifted",
      reason: "",
      issue: 40,
      issueUrl: "https://github.example/acme/infra/issues/40",
      checkedAt: at,
    });
    await s.recordDriftCheck({
      repo: "acme/infra",
      project: "app",
      status: "skipped",
      reason: "#3 applied, not merged yet",
      checkedAt: at,
    });
    await s.recordDriftCheck({ repo: "acme/other", project: "dns", status: "in-line", reason: "", checkedAt: at });
    // A newer check replaces the project's last one: back in line, no issue any more.
    await s.recordDriftCheck({ repo: "acme/infra", project: "app", status: "in-line", reason: "", checkedAt: "2026-03-04T06:00:00.000Z" });
    await s.setDriftPause("acme/other", "dns", { actor: "bob", reason: "freeze" });
    await s.setDriftPause("acme/infra", "net", { actor: "alice", reason: "migration" });
    await s.close();
    const after = await env.open();
    expect(await after.driftChecks()).toEqual([
      { repo: "acme/infra", project: "app", status: "in-line", reason: "", checkedAt: "2026-03-04T06:00:00.000Z" },
      {
        repo: "acme/infra",
        project: "net",
        status: "drifted",
        reason: "",
        issue: 40,
        issueUrl: "https://github.example/acme/infra/issues/40",
        checkedAt: at,
      },
      { repo: "acme/other", project: "dns", status: "in-line", reason: "", checkedAt: at },
    ]);
    expect((await after.driftPauses()).map((p) => [p.repo, p.project, p.reason])).toEqual([
      ["acme/infra", "net", "migration"],
      ["acme/other", "dns", "freeze"],
    ]);
    expect((await after.driftPauses("acme/other")).map((p) => p.project)).toEqual(["dns"]);
  });

  it("keeps the drift issues Sluice opened: one open per project, its plan comments and shown plan, across replicas and restarts", async () => {
    await fresh();
    const [a, b] = await twoStores();
    const seen = "2026-03-04T05:06:07.000Z";
    const shown = { id: 3, hash: "f".repeat(64), headSha: "a".repeat(40) };
    expect(await a.driftIssue("acme/infra", 40)).toBeUndefined();
    expect(await a.openDriftIssues("acme/infra")).toEqual([]);
    await a.recordDriftIssue({ repo: "acme/infra", project: "net", number: 40, firstSeen: seen });
    // Recording a number again changes nothing.
    await b.recordDriftIssue({ repo: "acme/infra", project: "app", number: 40, firstSeen: "2027-01-01T00:00:00.000Z" });
    expect(await b.driftIssue("acme/infra", 40)).toEqual({
      repo: "acme/infra",
      project: "net",
      number: 40,
      firstSeen: seen,
      commentIds: [],
      open: true,
    });
    await b.updateDriftIssue("acme/infra", 40, { commentIds: [7, 8], plan: shown });
    expect(await a.driftIssue("acme/infra", 40)).toMatchObject({ commentIds: [7, 8], plan: shown, open: true });
    // The same number in another repo is another issue; an unknown number is not made up.
    expect(await a.driftIssue("acme/other", 40)).toBeUndefined();
    await a.updateDriftIssue("acme/infra", 99, { open: true, commentIds: [1] });
    expect(await a.driftIssue("acme/infra", 99)).toBeUndefined();

    // A new issue for the project becomes its only open one.
    await a.recordDriftIssue({ repo: "acme/infra", project: "net", number: 45, firstSeen: seen });
    await a.recordDriftIssue({ repo: "acme/infra", project: "app", number: 46, firstSeen: seen });
    expect((await b.openDriftIssues("acme/infra")).map((i) => [i.project, i.number])).toEqual([
      ["app", 46],
      ["net", 45],
    ]);
    expect(await b.driftIssue("acme/infra", 40)).toMatchObject({ open: false, commentIds: [7, 8] });
    // A cleared plan is gone; a closed issue is no longer open.
    await b.updateDriftIssue("acme/infra", 45, { plan: shown });
    await b.updateDriftIssue("acme/infra", 45, { plan: null });
    expect(await a.driftIssue("acme/infra", 45)).not.toHaveProperty("plan");
    await a.updateDriftIssue("acme/infra", 46, { open: false });
    expect((await b.openDriftIssues("acme/infra")).map((i) => i.number)).toEqual([45]);

    // Two replicas recording issues of one project at once: one of them is its open issue.
    await Promise.all([
      a.recordDriftIssue({ repo: "acme/infra", project: "dns", number: 50, firstSeen: seen }),
      b.recordDriftIssue({ repo: "acme/infra", project: "dns", number: 51, firstSeen: seen }),
    ]);
    expect((await a.openDriftIssues("acme/infra")).filter((i) => i.project === "dns")).toHaveLength(1);

    await a.close();
    await b.close();
    const after = await env.open();
    expect(await after.driftIssue("acme/infra", 45)).toEqual({
      repo: "acme/infra",
      project: "net",
      number: 45,
      firstSeen: seen,
      commentIds: [],
      open: true,
    });
    expect(await after.driftIssue("acme/infra", 40)).toMatchObject({ plan: shown, open: false });
  });

  it.runIf(adapter.shared)("creates the schema once when several replicas start together", async () => {
    await fresh();
    const stores = await Promise.all(Array.from({ length: 4 }, () => env.open()));
    const ids = await Promise.all(stores.map((s, i) => s.enqueueInternal(target(i), spec)));
    expect(new Set(ids).size).toBe(4);
  });

  describe("a repository renamed or transferred on GitHub", () => {
    it("a repository heard first by many deliveries at once, on two replicas, is noted once, and none of them fails", async () => {
      await fresh();
      const [a, b] = await twoStores();
      // A new repository's first pull requests opened together: each delivery notes its name.
      const notes = Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).noteRepository(5151, "acme/fresh"));
      const failed = (await Promise.allSettled(notes)).filter((o) => o.status === "rejected");
      expect(failed).toEqual([]);
      expect(await a.repositoryName(5151)).toBe("acme/fresh");
      // Control: a name is one repository's at a time, the one heard last under it.
      await b.noteRepository(6262, "acme/fresh");
      expect(await a.repositoryName(6262)).toBe("acme/fresh");
      expect(await a.repositoryName(5151)).toBeUndefined();
    });

    const renamed = { from: "acme/infra", to: "acme/platform", repoId: 4242, actor: "octocat", how: "renamed" as const };
    const moved = (pr: number): JobTarget => ({
      ...target(pr),
      repo: { owner: "acme", name: "platform" },
      cloneUrl: "https://example.test/acme/platform.git",
    });

    it("moves its locks, waiters, saved plans, state holds, drift and queued work to the new name in one move, once", async () => {
      await fresh();
      const [a, b] = await twoStores();
      expect(await a.takeLock(lock(1), target(1))).toEqual({ ok: true });
      expect((await a.takeLock(lock(2), target(2))).ok).toBe(false);
      const saved = await a.savePlan(plan({ pr: 1 }), FILE);
      await a.holdState({
        repo: "acme/infra",
        dir: "db",
        workspace: "default",
        project: "db",
        pr: 1,
        jobId: 1,
        message: "m",
        state: Buffer.from("s"),
      });
      await a.setDriftPause("acme/infra", "net", { actor: "alice", reason: "maintenance" });
      await a.recordHeadPush("acme/infra", 1, "h1", "bob");
      const queued = (await a.recordDelivery("d-q", "issue_comment", { target: target(1), spec: applySpec })).jobId as number;

      const out = await b.moveRepository({ ...renamed, deliveryId: "d-rename", installationId: 7 });
      expect(out).toMatchObject({ kind: "moved" });
      // The attack it closes: PR 2, planned under the new name, is refused by PR 1's lock.
      const refused = await b.takeLock({ ...lock(2), repo: "acme/platform" }, moved(2));
      expect(refused).toMatchObject({ ok: false, heldBy: { pr: 1, repo: "acme/platform" } });
      expect((await b.pendingPlans("acme/platform", 1)).map((p) => p.id)).toEqual([saved.id]);
      expect(await b.openStateHold("acme/platform", "db", "default")).toMatchObject({ pr: 1 });
      expect((await b.driftPauses("acme/platform")).map((p) => p.project)).toEqual(["net"]);
      expect(await b.headPushers("acme/platform", 1, "h1")).toEqual(["bob"]);
      expect((await b.getJob(queued))?.target).toEqual(moved(1));
      // A release under the new name wakes the waiter at its new name.
      const released = await b.releaseLocks("acme/platform", 1);
      expect(JSON.stringify(released)).toContain("acme/platform");
      expect(JSON.stringify(released)).not.toContain("acme/infra");
      // Nothing is left under the old name, and the move is in the audit trail.
      expect(await b.locksOf("acme/infra", 1)).toEqual([]);
      expect(await b.pendingPlans("acme/infra", 1)).toEqual([]);
      expect(await b.openStateHold("acme/infra", "db", "default")).toBeUndefined();
      const [event] = await b.auditEvents({ action: "repository-moved" });
      expect(event).toMatchObject({ repo: "acme/platform", actor: "octocat" });
      expect(event?.detail).toContain("acme/infra → acme/platform");
      // A redelivery moves nothing again.
      expect(await a.moveRepository({ ...renamed, deliveryId: "d-rename" })).toEqual({ kind: "duplicate" });
      expect(await b.repositoryName(4242)).toBe("acme/platform");
      // The name it left is a former name: a delivery under it was made before the move.
      expect(await b.wasRepositoryName(4242, "acme/infra")).toBe(true);
      expect(await b.wasRepositoryName(4242, "acme/platform")).toBe(false);
      expect(await a.formerRepositoryNames("acme/platform")).toEqual(["acme/infra"]);
      expect(await a.formerRepositoryNames("acme/infra")).toEqual([]);
      // Renamed back, the name is its own again.
      expect(await a.moveRepository({ ...renamed, from: "acme/platform", to: "acme/infra", deliveryId: "d-back" })).toMatchObject({
        kind: "moved",
      });
      expect(await b.wasRepositoryName(4242, "acme/infra")).toBe(false);
      expect((await b.locksOf("acme/infra", 1)).length).toBe(0);
    });

    it("a lock a job still asks for under the old name is taken under the new one, unless another repository has the old name now", async () => {
      await fresh();
      const [a, b] = await twoStores();
      expect(await a.takeLock(lock(1), target(1))).toEqual({ ok: true });
      expect(await b.moveRepository({ ...renamed, deliveryId: "d-run" })).toMatchObject({ kind: "moved" });
      // A plan job of PR 2 that began before the rename: refused by PR 1's lock, waiting under the new name.
      expect(await a.takeLock(lock(2), target(2))).toMatchObject({ ok: false, heldBy: { pr: 1, repo: "acme/platform" } });
      expect(await a.takeLock(lock(2, "db"), target(2))).toEqual({ ok: true });
      expect((await b.locksOf("acme/platform", 2)).map((l) => l.dir)).toEqual(["db"]);
      expect(await b.locksOf("acme/infra", 2)).toEqual([]);
      const { waiters } = await b.releaseLocks("acme/platform", 1);
      expect(waiters).toEqual([moved(2)]);
      // Control: a new repository given the old name keeps its own locks there.
      await a.noteRepository(777, "acme/infra");
      expect(await a.takeLock(lock(3, "web"), target(3))).toEqual({ ok: true });
      expect((await b.locksOf("acme/infra", 3)).length).toBe(1);
    });

    it("a plan a job saves under the old name after the move is saved under the new one, unless another repository has the old name now", async () => {
      await fresh();
      const [a, b] = await twoStores();
      expect(await a.takeLock(lock(1), target(1))).toEqual({ ok: true });
      expect(await b.moveRepository({ ...renamed, deliveryId: "d-plan" })).toMatchObject({ kind: "moved" });
      // PR 1's plan job began before the rename: its plan and policy outcome land where its lock is.
      const saved = await a.savePlan(plan({ pr: 1 }), FILE);
      expect(saved.repo).toBe("acme/platform");
      const check = { sets: [{ name: "deny", status: "passed" as const, successes: 1, warnings: [] }] };
      await a.savePolicyCheck({ repo: "acme/infra", pr: 1, planHash: saved.planHash }, check);
      expect((await b.pendingPlans("acme/platform", 1)).map((p) => p.id)).toEqual([saved.id]);
      expect(await b.pendingPlans("acme/infra", 1)).toEqual([]);
      expect(await b.policyCheckOf({ repo: "acme/platform", pr: 1, planHash: saved.planHash })).toEqual(check);
      // Saved again under the old name, it supersedes the one under the new name (one pending plan per project).
      const again = await a.savePlan(plan({ pr: 1, headSha: "h2" }), FILE);
      expect((await b.pendingPlans("acme/platform", 1)).map((p) => p.id)).toEqual([again.id]);
      // Control: a new repository given the old name keeps its own plans there.
      await a.noteRepository(777, "acme/infra");
      expect((await a.savePlan(plan({ pr: 3 }), FILE)).repo).toBe("acme/infra");
      expect((await b.pendingPlans("acme/infra", 3)).length).toBe(1);
    });

    it("an apply that began before the move keeps its hold, apply record and operation with the repository", async () => {
      await fresh();
      const [a, b] = await twoStores();
      expect(await a.takeLock(lock(1), target(1))).toEqual({ ok: true });
      const saved = await a.savePlan(plan({ pr: 1 }), FILE);
      expect(await b.moveRepository({ ...renamed, deliveryId: "d-apply" })).toMatchObject({ kind: "moved" });
      // PR 1's apply job, begun under acme/infra, writes on after the move: it fails and holds the state.
      expect(await a.beginPrOperation("acme/infra", 1, "apply", 50)).toEqual({ ok: true });
      const applied = await a.recordApplyStart({ jobId: 50, repo: "acme/infra", pr: 1, project: "net", planId: saved.id });
      await a.recordApplyEnd(applied, "failed");
      await a.holdState({
        repo: "acme/infra",
        dir: "net",
        workspace: "default",
        project: "net",
        pr: 1,
        jobId: 50,
        message: "m",
        state: Buffer.from("s"),
      });
      const live = await a.recordLiveApplyStart({
        repo: "acme/infra",
        project: "net",
        dir: "net",
        workspace: "default",
        commitSha: "c1",
        source: "pr",
        number: 1,
        actor: "octocat",
        approvers: [],
        planHash: saved.planHash,
      });
      await a.recordLiveApplyEnd(live, "failed");
      // Under the new name, where PR 2 plans: the held state stops an apply, the failed apply keeps
      // PR 1's locks, and a second apply of PR 1 waits for the first.
      expect(await b.openStateHold("acme/platform", "net", "default")).toMatchObject({ pr: 1, repo: "acme/platform" });
      expect((await b.unsettledAppliesOfPr("acme/platform", 1)).map((x) => x.id)).toEqual([applied]);
      expect(await b.beginPrOperation("acme/platform", 1, "apply", 51)).toEqual({ ok: false, jobId: 50 });
      expect((await b.liveApplies("acme/platform")).map((x) => x.id)).toEqual([live]);
      expect(await b.openStateHold("acme/infra", "net", "default")).toBeUndefined();
      // Ended under the old name, the operation is over: the PR's next apply runs.
      await a.endPrOperation("acme/infra", 1, "apply", 50);
      expect(await b.beginPrOperation("acme/platform", 1, "apply", 51)).toEqual({ ok: true });
      // So is one begun before the move (moved with it) and ended under the old name.
      expect(await b.beginPrOperation("acme/platform", 2, "apply", 52)).toEqual({ ok: true });
      expect(await b.moveRepository({ ...renamed, from: "acme/platform", to: "acme/infra", deliveryId: "d-back" })).toMatchObject({
        kind: "moved",
      });
      await b.endPrOperation("acme/platform", 2, "apply", 52);
      expect(await a.beginPrOperation("acme/infra", 2, "apply", 53)).toEqual({ ok: true });
      expect(await b.moveRepository({ ...renamed, deliveryId: "d-forth" })).toMatchObject({ kind: "moved" });
      // Control: a new repository given the old name keeps its own there.
      await a.noteRepository(777, "acme/infra");
      await a.holdState({
        repo: "acme/infra",
        dir: "web",
        workspace: "default",
        project: "web",
        pr: 3,
        jobId: 60,
        message: "m",
        state: Buffer.from("s"),
      });
      expect(await b.openStateHold("acme/infra", "web", "default")).toMatchObject({ pr: 3 });
      expect(await b.beginPrOperation("acme/infra", 3, "apply", 60)).toEqual({ ok: true });
      expect(await b.beginPrOperation("acme/platform", 3, "apply", 61)).toEqual({ ok: true });
    });

    it("a rename delivered after a later one (a failed delivery redelivered after a rename back) moves nothing", async () => {
      await fresh();
      const [a, b] = await twoStores();
      await a.noteRepository(4242, "acme/infra");
      expect(await a.takeLock(lock(1), target(1))).toEqual({ ok: true });
      // GitHub: acme/infra → acme/platform at 10:00 (its delivery failed), back at 10:05 (delivered).
      const back = { ...renamed, from: "acme/platform", to: "acme/infra", deliveryId: "d-back", at: "2026-11-27T10:05:00Z" };
      expect(await b.moveRepository(back)).toMatchObject({ kind: "moved" });
      // The first one, redelivered now, is older than the move already followed.
      const late = await a.moveRepository({ ...renamed, deliveryId: "d-first", at: "2026-11-27T10:00:00Z" });
      expect(late).toMatchObject({ kind: "outdated" });
      expect(await b.repositoryName(4242)).toBe("acme/infra");
      expect((await b.locksOf("acme/infra", 1)).length).toBe(1);
      expect(await b.locksOf("acme/platform", 1)).toEqual([]);
      expect(await b.wasRepositoryName(4242, "acme/infra")).toBe(false);
      // Spent: asked again, it is a duplicate.
      expect(await a.moveRepository({ ...renamed, deliveryId: "d-first", at: "2026-11-27T10:00:00Z" })).toEqual({ kind: "duplicate" });
      // Control: renamed again later (acme/platform once more), it moves.
      expect(await a.moveRepository({ ...renamed, deliveryId: "d-again", at: "2026-11-27T10:09:00Z" })).toMatchObject({ kind: "moved" });
      expect((await b.locksOf("acme/platform", 1)).length).toBe(1);
    });

    it("a transfer to another account's installation: the moved work is reached through it", async () => {
      await fresh();
      const [a, b] = await twoStores();
      expect(await a.takeLock(lock(1), target(1))).toEqual({ ok: true });
      expect((await a.takeLock(lock(2), target(2))).ok).toBe(false);
      const queued = (await a.recordDelivery("d-t", "issue_comment", { target: target(1), spec })).jobId as number;
      expect(await b.moveRepository({ ...renamed, how: "transferred", deliveryId: "d-transfer", installationId: 99 })).toMatchObject({
        kind: "moved",
      });
      expect((await b.getJob(queued))?.target).toEqual({ ...moved(1), installationId: 99 });
      expect((await b.releaseLocks("acme/platform", 1)).waiters).toEqual([{ ...moved(2), installationId: 99 }]);
      expect(await b.lockHolders()).toEqual([]);
    });

    it("a late delivery of a rename leaves alone a repository created under the old name since", async () => {
      await fresh();
      const [a, b] = await twoStores();
      expect(await a.moveRepository({ ...renamed, deliveryId: "d-first" })).toMatchObject({ kind: "moved" });
      expect(await b.formerNamesFreeOf("acme/platform")).toEqual(["acme/infra"]);
      await a.noteRepository(5151, "acme/infra");
      // Its former name is the newcomer's now: that one's plan signatures are no longer this one's.
      expect(await b.formerNamesFreeOf("acme/platform")).toEqual([]);
      expect(await b.formerRepositoryNames("acme/platform")).toEqual(["acme/infra"]);
      expect(await a.takeLock(lock(1), target(1))).toEqual({ ok: true });
      // The same rename told again under another delivery id: acme/infra is the newcomer's now.
      const out = await b.moveRepository({ ...renamed, deliveryId: "d-again" });
      expect(out).toEqual({ kind: "refused", reason: "acme/infra is another repository's name now: nothing moved" });
      expect((await b.locksOf("acme/infra", 1)).length).toBe(1);
      expect(await b.locksOf("acme/platform", 1)).toEqual([]);
    });

    it("a rename after one that was missed moves the rows of the name the repository was last heard under too", async () => {
      await fresh();
      const [a, b] = await twoStores();
      await a.noteRepository(4242, "acme/infra");
      expect(await a.takeLock(lock(1), target(1))).toEqual({ ok: true });
      // acme/infra → acme/middle was never delivered; acme/middle → acme/platform is.
      expect(await b.moveRepository({ ...renamed, from: "acme/middle", deliveryId: "d-second" })).toMatchObject({ kind: "moved", rows: 1 });
      expect((await b.locksOf("acme/platform", 1)).length).toBe(1);
      expect(await b.locksOf("acme/infra", 1)).toEqual([]);
      expect(await b.formerRepositoryNames("acme/platform")).toEqual(["acme/infra", "acme/middle"]);
      const [event] = await b.auditEvents({ action: "repository-moved" });
      expect(event?.detail).toContain("acme/middle and acme/infra → acme/platform");
    });

    it("refuses a new name that already has live rows: two repositories' locks are never merged", async () => {
      await fresh();
      const [a, b] = await twoStores();
      expect(await a.takeLock(lock(1), target(1))).toEqual({ ok: true });
      expect(await a.takeLock({ ...lock(3), repo: "acme/platform" }, moved(3))).toEqual({ ok: true });
      const out = await b.moveRepository({ ...renamed, deliveryId: "d-clash" });
      expect(out).toMatchObject({ kind: "refused" });
      expect(out.kind === "refused" && out.reason).toContain("locks: 1");
      expect((await b.locksOf("acme/infra", 1)).length).toBe(1);
      expect((await b.locksOf("acme/platform", 1)).length).toBe(0);
      expect(await b.auditEvents({ action: "repository-moved" })).toEqual([]);
      // Refused, the delivery is not spent: redelivered once the name is free, it moves.
      await b.releaseLocks("acme/platform", 3);
      expect(await a.moveRepository({ ...renamed, deliveryId: "d-clash" })).toMatchObject({ kind: "moved" });
      expect((await b.locksOf("acme/platform", 1)).length).toBe(1);
    });

    it("a deleted repository's rows, kept aside, never move onto a name another repository has now", async () => {
      await fresh();
      const [a, b] = await twoStores();
      expect(await a.takeLock(lock(1), target(1))).toEqual({ ok: true });
      await a.noteRepository(4242, "acme/infra");
      const aside = "acme/infra~deleted-4242";
      expect(await a.moveRepository({ ...renamed, to: aside, how: "deleted", deliveryId: "d-deleted" })).toMatchObject({ kind: "moved" });
      // Another repository (no live rows yet) renamed onto the freed name; then a delivery the
      // deleted one made before its deletion names it under its old name.
      await b.noteRepository(7, "acme/infra");
      const out = await b.moveRepository({ ...renamed, from: aside, to: "acme/infra", how: "seen" });
      expect(out).toMatchObject({ kind: "refused", keptUnder: [aside] });
      expect((await a.locksOf(aside, 1)).length).toBe(1);
      expect(await a.locksOf("acme/infra", 1)).toEqual([]);
      expect(await a.repositoryName(7)).toBe("acme/infra");
      expect(await a.repositoryName(4242)).toBe(aside);
      // Control: restored under a name no repository has, its rows come back.
      expect(await b.moveRepository({ ...renamed, from: aside, to: "acme/infra-restored", how: "seen" })).toMatchObject({ kind: "moved" });
      expect((await a.locksOf("acme/infra-restored", 1)).length).toBe(1);
      expect(await a.repositoryName(7)).toBe("acme/infra");
    });

    it("a hold written by a job of a repository deleted while it ran stays with its rows, not the newcomer's under the name", async () => {
      await fresh();
      const [a, b] = await twoStores();
      await a.noteRepository(4242, "acme/infra");
      const running = (await a.recordDelivery("d-run", "issue_comment", { target: target(1), spec: applySpec })).jobId as number;
      const aside = "acme/infra~deleted-4242";
      expect(await a.moveRepository({ ...renamed, to: aside, how: "deleted", deliveryId: "d-deleted" })).toMatchObject({ kind: "moved" });
      await b.noteRepository(7, "acme/infra");
      const hold = { repo: "acme/infra", dir: "net", workspace: "default", project: "net", pr: 1, message: "m", state: Buffer.from("s") };
      // The deleted repository's apply, begun before the deletion, ends: its unsaved state is its own.
      expect((await b.holdState({ ...hold, jobId: running })).repo).toBe(aside);
      expect(await a.openStateHold("acme/infra", "net", "default")).toBeUndefined();
      // Control: the newcomer's own job holds under its name.
      const own = (await a.recordDelivery("d-own", "issue_comment", { target: target(2), spec: applySpec })).jobId as number;
      expect((await b.holdState({ ...hold, pr: 2, jobId: own })).repo).toBe("acme/infra");
      expect((await a.openStateHold("acme/infra", "net", "default"))?.pr).toBe(2);
    });

    it("knows a repository's id by the name last heard, one repository per name", async () => {
      await fresh();
      const [a, b] = await twoStores();
      expect(await a.repositoryName(1)).toBeUndefined();
      await a.noteRepository(1, "acme/infra");
      expect(await b.repositoryName(1)).toBe("acme/infra");
      await b.noteRepository(1, "acme/platform");
      expect(await a.repositoryName(1)).toBe("acme/platform");
      // Another repository created under the freed name takes it.
      await a.noteRepository(2, "acme/platform");
      expect(await b.repositoryName(2)).toBe("acme/platform");
      expect(await b.repositoryName(1)).toBeUndefined();
    });
  });
});

/** Polls `fn` until `done` holds (a closed session's locks are freed a moment after it ends). */
async function eventually<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (done(v) || Date.now() > deadline) return v;
    await sleep(10);
  }
}

/** pg_locks shows a bigint advisory key as two unsigned 32-bit halves. */
function splitKey(key: string): [number, number] {
  const k = BigInt.asUintN(64, BigInt(key));
  return [Number(k >> 32n), Number(k & 0xffffffffn)];
}

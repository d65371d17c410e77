import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../src/store/postgres-store.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";

// The trusted count of a project's state, kept with each apply in the live record (migration 22):
// what the read-back found, never more than the count before plus what the plan added; its peak
// since the project's last teardown. On SQLite and PostgreSQL alike.

const available = postgresAvailability();
// In CI a missing PostgreSQL is a failure, not a skip (see .ci/run).
const onPostgres = available.ok || process.env.CI ? describe : describe.skip;
const quiet = { info() {}, warn() {} };

let dir: string;
let pg: TestPostgres | undefined;
const stores: Record<string, Store> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-state-count-"));
  stores.sqlite = openSqliteStore(join(dir, "sluice.db"));
  if (!available.ok && !process.env.CI) return;
  pg = await startPostgres();
  stores.postgres = await openPostgresStore(pg.url, { replicaName: "a", log: quiet });
}, 120_000);
afterAll(async () => {
  for (const s of Object.values(stores)) await s.close();
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

function applies(store: Store, repo: string) {
  return async (
    outcome: "succeeded" | "failed",
    readBack?: { addresses: number; grown: number },
    at: { dir?: string; workspace?: string; teardown?: boolean } = {},
  ) => {
    const id = await store.recordLiveApplyStart({
      repo,
      project: "web",
      dir: at.dir ?? "web",
      workspace: at.workspace ?? "default",
      commitSha: "c1",
      source: "pr",
      number: 1,
      actor: "bob",
      approvers: [],
      planHash: "p",
      teardown: at.teardown ?? false,
    });
    await store.recordLiveApplyEnd(id, outcome, undefined, readBack);
  };
}

const contract = (name: "sqlite" | "postgres") => () => {
  it("keeps what the read-back found, never more than the count before plus what the plan added (attack: made-up resources the applied plan file carried)", async () => {
    const store = stores[name] as Store;
    const apply = applies(store, "acme/count");
    expect(await store.trustedStateCount("acme/count", "web", "default")).toBeUndefined();
    // The first count is the read-back's own.
    await apply("succeeded", { addresses: 4, grown: 0 });
    expect(await store.trustedStateCount("acme/count", "web", "default")).toEqual({ now: 4, peak: 4 });
    // Ten made-up resources read back beside one the plan created: 4 + 1.
    await apply("succeeded", { addresses: 15, grown: 1 });
    expect(await store.trustedStateCount("acme/count", "web", "default")).toEqual({ now: 5, peak: 5 });
    // Control: deletes lower it; a failed apply keeps no count.
    await apply("succeeded", { addresses: 3, grown: 0 });
    await apply("failed", { addresses: 9, grown: 9 });
    expect(await store.trustedStateCount("acme/count", "web", "default")).toEqual({ now: 3, peak: 5 });
    // Another dir or workspace is another project.
    await apply("succeeded", { addresses: 7, grown: 0 }, { workspace: "staging" });
    expect(await store.trustedStateCount("acme/count", "web", "staging")).toEqual({ now: 7, peak: 7 });
    expect(await store.trustedStateCount("acme/count", "app", "default")).toBeUndefined();
    expect(await store.trustedStateCount("acme/count", "web", "default")).toEqual({ now: 3, peak: 5 });
  });

  it("measures the peak from the project's last teardown the rules let through", async () => {
    const store = stores[name] as Store;
    const apply = applies(store, "acme/peak");
    await apply("succeeded", { addresses: 10, grown: 0 });
    await apply("succeeded", { addresses: 8, grown: 0 });
    expect(await store.trustedStateCount("acme/peak", "web", "default")).toEqual({ now: 8, peak: 10 });
    await apply("succeeded", { addresses: 2, grown: 0 }, { teardown: true });
    expect(await store.trustedStateCount("acme/peak", "web", "default")).toEqual({ now: 2, peak: 2 });
    await apply("succeeded", { addresses: 3, grown: 1 });
    expect(await store.trustedStateCount("acme/peak", "web", "default")).toEqual({ now: 3, peak: 3 });
    // A teardown that kept no count (a scheduled destroy) leaves none to measure against.
    await apply("succeeded", undefined, { teardown: true });
    expect(await store.trustedStateCount("acme/peak", "web", "default")).toBeUndefined();
  });
};

describe("the trusted state count on SQLite", contract("sqlite"));
onPostgres(`the trusted state count on PostgreSQL${available.ok ? "" : `: ${available.reason}`}`, contract("postgres"));

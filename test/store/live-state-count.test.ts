import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../src/store/postgres-store.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";

// The trusted count of a project's state, kept with each apply in the live record (migration 22):
// what the read-back found, never more than the count before plus what the applies since added;
// its peak since the project's last teardown, and what was deleted after it. On SQLite and
// PostgreSQL alike.

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

interface Applied {
  /** What the read-back found; undefined: none (a failed apply, a scheduled destroy). */
  found?: number;
  grows?: number;
  deletes?: number;
  workspace?: string;
  teardown?: boolean;
  /** The recorded name (the trusted identity's). */
  project?: string;
  /** Several base projects share the dir and workspace: told apart by the name. */
  shared?: boolean;
}

function applies(store: Store, repo: string) {
  return async (outcome: "succeeded" | "failed", a: Applied = {}) => {
    const id = await store.recordLiveApplyStart({
      repo,
      project: a.project ?? "web",
      dir: "web",
      workspace: a.workspace ?? "default",
      commitSha: "c1",
      source: "pr",
      number: 1,
      actor: "bob",
      approvers: [],
      planHash: "p",
      teardown: a.teardown ?? false,
      stateChanges: { grows: a.grows ?? 0, deletes: a.deletes ?? 0 },
    });
    await store.recordLiveApplyEnd(id, outcome, undefined, a.found, a.shared ? a.project : undefined);
  };
}

const contract = (name: "sqlite" | "postgres") => () => {
  it("keeps what the read-back found, never more than the count before plus what the applies since added (attack: made-up resources the applied plan file carried)", async () => {
    const store = stores[name] as Store;
    const apply = applies(store, "acme/count");
    const count = (workspace = "default") => store.trustedStateCount("acme/count", "web", workspace);
    expect(await count()).toBeUndefined();
    // The first count is the read-back's own.
    await apply("succeeded", { found: 4 });
    expect(await count()).toEqual({ now: 4, peak: 4, deletedSincePeak: 0 });
    // Ten made-up resources read back beside one the plan created: 4 + 1.
    await apply("succeeded", { found: 15, grows: 1 });
    expect(await count()).toEqual({ now: 5, peak: 5, deletedSincePeak: 0 });
    // A failed apply keeps no count, but what it may have created counts in the next bound: 5 + 2 + 1.
    await apply("failed", { grows: 2 });
    await apply("succeeded", { found: 9, grows: 1 });
    expect(await count()).toEqual({ now: 8, peak: 8, deletedSincePeak: 0 });
    // Control: deletes lower it.
    await apply("succeeded", { found: 6, deletes: 2 });
    expect(await count()).toEqual({ now: 6, peak: 8, deletedSincePeak: 2 });
    // Made-up resources read back beside two deletes: 6 - 2.
    await apply("succeeded", { found: 14, deletes: 2 });
    expect(await count()).toEqual({ now: 4, peak: 8, deletedSincePeak: 4 });
    // Another workspace is another project.
    await apply("succeeded", { found: 7, workspace: "staging" });
    expect(await count("staging")).toEqual({ now: 7, peak: 7, deletedSincePeak: 0 });
    expect(await store.trustedStateCount("acme/count", "app", "default")).toBeUndefined();
    expect(await count()).toEqual({ now: 4, peak: 8, deletedSincePeak: 4 });
  });

  it("adds up the deletes since the peak, measured from the project's last teardown the rules let through", async () => {
    const store = stores[name] as Store;
    const apply = applies(store, "acme/peak");
    const count = () => store.trustedStateCount("acme/peak", "web", "default");
    await apply("succeeded", { found: 10 });
    await apply("succeeded", { found: 8, deletes: 2 });
    // Forgotten (moved out of the state) is no delete; a failed apply's deletes are not added up here.
    await apply("succeeded", { found: 5 });
    await apply("failed", { deletes: 3 });
    expect(await count()).toEqual({ now: 5, peak: 10, deletedSincePeak: 2 });
    // Back at the peak: what was deleted before it is made up for.
    await apply("succeeded", { found: 10, grows: 5 });
    expect(await count()).toEqual({ now: 10, peak: 10, deletedSincePeak: 0 });
    await apply("succeeded", { found: 2, deletes: 8, teardown: true });
    expect(await count()).toEqual({ now: 2, peak: 2, deletedSincePeak: 0 });
    // A teardown that kept no count (a scheduled destroy) leaves none to measure against.
    await apply("succeeded", { teardown: true });
    expect(await count()).toBeUndefined();
  });

  it("keeps the counts of projects sharing a dir and workspace (each its own backend) apart by their names (attack: the other state's count caps nothing)", async () => {
    const store = stores[name] as Store;
    const apply = applies(store, "acme/shared");
    const count = (project?: string) => store.trustedStateCount("acme/shared", "web", "default", project);
    // web-prod holds 4, web-staging 100: the staging apply after prod's must not make prod's count 100.
    await apply("succeeded", { found: 4, project: "web-prod", shared: true });
    await apply("succeeded", { found: 100, project: "web-staging", shared: true });
    expect(await count("web-prod")).toEqual({ now: 4, peak: 4, deletedSincePeak: 0 });
    expect(await count("web-staging")).toEqual({ now: 100, peak: 100, deletedSincePeak: 0 });
    // Made-up resources read back in prod are bounded by prod's own count, not by staging's 100.
    await apply("succeeded", { found: 14, grows: 1, project: "web-prod", shared: true });
    expect(await count("web-prod")).toEqual({ now: 5, peak: 5, deletedSincePeak: 0 });
    // Nor does staging's peak and deletes make an ordinary prod change look like a teardown.
    await apply("succeeded", { found: 90, deletes: 10, project: "web-staging", shared: true });
    expect(await count("web-prod")).toEqual({ now: 5, peak: 5, deletedSincePeak: 0 });
    expect(await count("web-staging")).toEqual({ now: 90, peak: 100, deletedSincePeak: 10 });
    // Control: a dir and workspace of one project is counted by them, whatever its recorded name.
    const one = applies(store, "acme/renamed");
    await one("succeeded", { found: 4, project: "old" });
    await one("succeeded", { found: 14, grows: 1, project: "new" });
    expect(await store.trustedStateCount("acme/renamed", "web", "default")).toEqual({ now: 5, peak: 5, deletedSincePeak: 0 });
  });
};

describe("the trusted state count on SQLite", contract("sqlite"));
onPostgres(`the trusted state count on PostgreSQL${available.ok ? "" : `: ${available.reason}`}`, contract("postgres"));

import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/store/db/db.js";
import { SchemaTooNewError, migrate } from "../../src/store/db/migrate.js";
import { MIGRATIONS } from "../../src/store/db/migrations.js";
import { postgresDb, rowTypes } from "../../src/store/db/postgres-db.js";
import { sqliteDb } from "../../src/store/db/sqlite-db.js";
import { createTestDatabase, postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";

interface Driver {
  name: string;
  open(): Promise<{ db: Db; close(): Promise<void> }>;
}

let server: TestPostgres | undefined;
const pgAvailable = postgresAvailability();
const sqlite: Driver = {
  name: "sqlite",
  async open() {
    const raw = new Database(":memory:");
    return {
      db: sqliteDb(raw, { busyTimeoutMs: 1000 }),
      async close() {
        raw.close();
      },
    };
  },
};
const postgres: Driver = {
  name: "postgres",
  async open() {
    if (!server) throw new Error("no test PostgreSQL");
    const made = await createTestDatabase(server.url);
    const pool = new pg.Pool({ connectionString: made.url, max: 2, types: rowTypes });
    return {
      db: postgresDb(pool),
      async close() {
        await pool.end();
        await made.stop();
      },
    };
  },
};
// CI must not pass by skipping the shared database; a laptop without PostgreSQL may.
const drivers = pgAvailable.ok || process.env.CI ? [sqlite, postgres] : [sqlite];

beforeAll(async () => {
  if (pgAvailable.ok) server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

describe.each(drivers)("database port: $name", (driver) => {
  const withDb = async (fn: (db: Db) => Promise<void>) => {
    const { db, close } = await driver.open();
    try {
      await db.tx((t) => migrate(t));
      await fn(db);
    } finally {
      await close();
    }
  };

  it("keeps hostile values as data: quotes, placeholders and SQL in parameters and string literals", () =>
    withDb(async (db) => {
      const hostile = 'x\'); DROP TABLE jobs; -- ? $1 "?"';
      await db.run("INSERT INTO flags (name, value) VALUES (?, ?)", [hostile, { text: hostile }]);
      // A `?` inside a literal is text, not a placeholder: the one parameter still lands on the one real `?`.
      const row = await db.get<{ q: string; value: string }>("SELECT '?''?' AS q, value FROM flags WHERE name = ?", [hostile]);
      expect(row?.q).toBe("?'?");
      expect(JSON.parse(row?.value ?? "")).toEqual({ text: hostile });
      expect(await db.get<{ n: number }>("SELECT count(*) AS n FROM jobs")).toEqual({ n: 0 });
    }));

  it("returns columns alike on both databases: JSON as text, times as ISO, 64-bit integers as numbers, booleans as 1/0", () =>
    withDb(async (db) => {
      const at = "2026-03-04T05:06:07.089Z";
      await db.run(
        "INSERT INTO log_streams (job_id, project, repo, pr, kind, bytes, truncated, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [1, "net", "acme/infra", 2, "plan", 9_000_000_000, true, at, new Date(at)],
      );
      expect(await db.get("SELECT bytes, truncated, started_at, updated_at FROM log_streams")).toEqual({
        bytes: 9_000_000_000,
        truncated: 1,
        started_at: at,
        updated_at: at,
      });
      await db.run("INSERT INTO flags (name, value) VALUES (?, ?)", ["f", { a: [1, "b"] }]);
      // The JSON's spelling is the database's (jsonb normalises spaces); its meaning is the same.
      const json = await db.get<{ value: string }>("SELECT value FROM flags");
      expect(JSON.parse(json?.value ?? "")).toEqual({ a: [1, "b"] });
    }));

  it("rolls a transaction back as a whole when its body throws", () =>
    withDb(async (db) => {
      await expect(
        db.tx(function* (t) {
          yield* t.run("INSERT INTO flags (name, value) VALUES (?, ?)", ["kept?", "{}"]);
          throw new Error("refused");
        }),
      ).rejects.toThrow("refused");
      expect(await db.all("SELECT name FROM flags")).toEqual([]);
    }));

  it("applies each migration once, and refuses a database whose schema is newer than it knows", () =>
    withDb(async (db) => {
      expect(await db.tx((t) => migrate(t))).toEqual([]);
      const latest = MIGRATIONS.at(-1)?.version ?? 0;
      expect(await db.all("SELECT version FROM schema_version ORDER BY version")).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
      await db.run("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)", [latest + 1, "from the future", new Date()]);
      await expect(db.tx((t) => migrate(t))).rejects.toBeInstanceOf(SchemaTooNewError);
    }));
});

describe("durability of the embedded store", () => {
  it("the job thread commits without an fsync each (NORMAL); `durable` syncs the WAL they are in, and they read back after reopening", async () => {
    const { mkdtempSync, rmSync, statSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "sluice-durable-"));
    const file = join(dir, "sluice.db");
    try {
      const raw = new Database(file);
      raw.pragma("journal_mode = WAL");
      raw.pragma("synchronous = NORMAL");
      const db = sqliteDb(raw, { busyTimeoutMs: 1000 });
      await db.tx((t) => migrate(t));
      await db.run("CREATE TABLE marks (n INTEGER)");
      await db.run("INSERT INTO marks (n) VALUES (?)", [7]);
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
      await db.durable();
      raw.close();
      const again = new Database(file);
      expect(again.prepare("SELECT n FROM marks").get()).toEqual({ n: 7 });
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

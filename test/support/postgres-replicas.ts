import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { openPostgresStore, type PostgresStore } from "../../src/store/postgres-store.js";
import { createTestDatabase, postgresAvailability, startPostgres, type TestPostgres } from "./postgres.js";

// Kept apart from postgres.ts, which the benchmarks import too: this one registers vitest hooks.

const available = postgresAvailability();
// In CI a missing PostgreSQL is a failure, not a skip (see .ci/run).
const runs = available.ok || Boolean(process.env.CI);

/** A describe of the file's PostgreSQL tests: skipped, its title saying why, where PostgreSQL is missing outside CI. */
export function postgresSuite(title: string, tests: () => void): void {
  (runs ? describe : describe.skip)(`${title}${available.ok ? "" : `: ${available.reason}`}`, tests);
}

/**
 * Stores of replicas `names` on one test PostgreSQL (its database at `url`), opened before the
 * file's tests and closed after them (none where the suite is skipped).
 */
export function replicaStores(names: string[] = ["a", "b"]): { stores: PostgresStore[]; url: string } {
  const quiet = { info() {}, warn() {} };
  const replicas = { stores: [] as PostgresStore[], url: "" };
  let db: TestPostgres | undefined;
  beforeAll(async () => {
    if (!runs) return;
    db = await startPostgres();
    replicas.url = db.url;
    for (const name of names) replicas.stores.push(await openPostgresStore(db.url, { replicaName: name, log: quiet }));
  }, 120_000);
  afterAll(async () => {
    for (const s of replicas.stores) await s.close();
    await db?.stop();
  });
  return replicas;
}

/** A race test's fresh database: its stores by replica name and plain clients (by name) for its own transactions. */
export interface RaceDb<R extends string, C extends string> {
  url: string;
  stores: Record<R, PostgresStore>;
  clients: Record<C, pg.Client>;
}

/** Gives each race test its own database, with the stores and clients it names, on the file's server. */
export type RaceStores = <R extends string, C extends string, T>(
  shape: { replicas: readonly R[]; clients: readonly C[] },
  fn: (db: RaceDb<R, C>) => Promise<T>,
) => Promise<T>;

/**
 * One test PostgreSQL server for the file's race tests (started before them, stopped after), and
 * the way each test gets its own database on it: stores of its replicas and connected clients, all
 * closed and the database dropped once the test's `fn` is done, whatever it did.
 */
export function raceStores(): RaceStores {
  const quiet = { info() {}, warn() {} };
  let server: TestPostgres | undefined;
  beforeAll(async () => {
    if (runs) server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  return async <R extends string, C extends string, T>(
    shape: { replicas: readonly R[]; clients: readonly C[] },
    fn: (db: RaceDb<R, C>) => Promise<T>,
  ): Promise<T> => {
    if (!server) throw new Error("no test PostgreSQL");
    const db = await createTestDatabase(server.url);
    const stores: [R, PostgresStore][] = [];
    const clients: [C, pg.Client][] = [];
    try {
      for (const name of shape.replicas) stores.push([name, await openPostgresStore(db.url, { replicaName: name, log: quiet })]);
      for (const name of shape.clients) {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        clients.push([name, client]);
      }
      return await fn({ url: db.url, stores: Object.fromEntries(stores), clients: Object.fromEntries(clients) } as RaceDb<R, C>);
    } finally {
      for (const [, c] of clients) await c.end();
      for (const [, s] of stores) await s.close();
      await db.stop();
    }
  };
}

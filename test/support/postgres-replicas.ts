import { afterAll, beforeAll, describe } from "vitest";
import { openPostgresStore, type PostgresStore } from "../../src/store/postgres-store.js";
import { postgresAvailability, startPostgres, type TestPostgres } from "./postgres.js";

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

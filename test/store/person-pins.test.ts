import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore, type PostgresStore } from "../../src/store/postgres-store.js";
import { postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";

const available = postgresAvailability();
// In CI a missing PostgreSQL is a failure, not a skip (see .ci/run).
const suite = available.ok || process.env.CI ? describe : describe.skip;
const quiet = { info() {}, warn() {} };

let db: TestPostgres;
const stores: PostgresStore[] = [];
beforeAll(async () => {
  if (!available.ok && !process.env.CI) return;
  db = await startPostgres();
  for (const name of ["a", "b"]) stores.push(await openPostgresStore(db.url, { replicaName: name, log: quiet }));
}, 120_000);
afterAll(async () => {
  for (const s of stores) await s.close();
  await db?.stop();
});

suite(`configured logins pinned to accounts on PostgreSQL${available.ok ? "" : `: ${available.reason}`}`, () => {
  it("the first pin stays, whichever replica answers later (attack: another account's id never replaces it)", async () => {
    const [a, b] = stores as [PostgresStore, PostgresStore];
    const first = await Promise.all([a.pinPerson("Root", 1), b.pinPerson("root", 2)]);
    const kept = first[0].id;
    expect(first[1].id).toBe(kept);
    expect(await b.pinPerson("root", 3)).toMatchObject({ login: "root", id: kept });
    await a.pinPerson("dba", 4);
    const pins = await b.personPins(["ROOT", "dba", "nobody"]);
    expect(Object.fromEntries([...pins].map(([k, p]) => [k, p.id]))).toEqual({ root: kept, dba: 4 });
  });
});

import { expect, it } from "vitest";
import type { PostgresStore } from "../../src/store/postgres-store.js";
import { postgresSuite, replicaStores } from "../support/postgres-replicas.js";

const { stores } = replicaStores();

postgresSuite("configured logins pinned to accounts on PostgreSQL", () => {
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

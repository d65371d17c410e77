import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advisoryKey } from "../../src/store/advisory-key.js";
import { openPostgresStore } from "../../src/store/postgres-store.js";
import { repositoryNameTurn } from "../../src/store/repository-moves.js";
import { createTestDatabase, postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";

// Two replicas on one PostgreSQL (READ COMMITTED) note a repository's name at once, each in the
// transaction that keeps a delivery: a conflict on a unique key the insert did not name as its
// arbiter is an error on PostgreSQL, not an update, and the delivery was answered 500 (the replica
// benchmark's "duplicate key value violates unique constraint repositories_full_name_key").
const available = postgresAvailability().ok;
const quiet = { warn: () => undefined };

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the store's transaction never waited for the other");
}

describe.runIf(available)("a repository's name noted by two transactions at once (PostgreSQL)", () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  /** Notes `id`'s name while another transaction, not yet committed, gave `name` to `otherId`. */
  async function noteBeside(otherId: number, id: number, name: string) {
    const db = await createTestDatabase(server.url);
    const store = await openPostgresStore(db.url, { replicaName: "a", log: quiet });
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query("INSERT INTO repositories (id, full_name) VALUES ($1, $2)", [otherId, name]);
      const noting = store.noteRepository(id, name).then(
        () => "noted",
        (e: Error) => e.message,
      );
      await waitFor(async () => {
        const r = await other.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        );
        return r.rows[0].n > 0;
      });
      await other.query("COMMIT");
      const outcome = await noting;
      const rows = (await other.query("SELECT id::int AS id FROM repositories WHERE full_name = $1", [name])).rows;
      // What the next delivery of `id` does: notes it again, the name now its own.
      await store.noteRepository(id, name);
      return { outcome, holders: rows.map((r) => r.id), after: await store.repositoryName(id) };
    } finally {
      await other.end();
      await store.close();
      await db.stop();
    }
  }

  it("a name another repository (deleted, made again under it) took meanwhile fails nothing", async () => {
    const r = await noteBeside(1, 2, "acme/app");
    expect(r.outcome).toBe("noted");
    expect(r.holders).toEqual([1]);
    expect(r.after).toBe("acme/app");
  });

  /**
   * Moves `id` (known as acme/old) to `name` while another replica's note of `name` for `otherId`
   * is under way, as recordName writes it (the name's turn taken, then the row), not yet committed.
   */
  async function moveBeside(otherId: number, id: number, name: string) {
    const db = await createTestDatabase(server.url);
    const store = await openPostgresStore(db.url, { replicaName: "a", log: quiet });
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await store.noteRepository(id, "acme/old");
      await other.query("BEGIN");
      await other.query("SELECT pg_advisory_xact_lock($1::bigint)", [advisoryKey("lock", repositoryNameTurn(name))]);
      await other.query("DELETE FROM repositories WHERE full_name = $1 AND id <> $2", [name, otherId]);
      await other.query("INSERT INTO repositories (id, full_name) VALUES ($1, $2) ON CONFLICT DO NOTHING", [otherId, name]);
      const moving = store.moveRepository({ from: "acme/old", to: name, repoId: id, actor: "github", how: "renamed" }).then(
        (out) => out.kind as string,
        (e: Error) => e.message,
      );
      await waitFor(async () => {
        const r = await other.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        );
        return r.rows[0].n > 0;
      });
      await other.query("COMMIT");
      const outcome = await moving;
      const rows = (await other.query("SELECT id::int AS id FROM repositories WHERE full_name = $1", [name])).rows;
      return { outcome, holders: rows.map((r) => r.id), after: await store.repositoryName(id) };
    } finally {
      await other.end();
      await store.close();
      await db.stop();
    }
  }

  it("a rename to a name another replica is noting for another id meanwhile takes turns with it: moved, the name its own", async () => {
    const r = await moveBeside(1, 2, "acme/app");
    expect(r.outcome).toBe("moved");
    expect(r.holders).toEqual([2]);
    expect(r.after).toBe("acme/app");
  });

  it("control: a rename beside another replica noting the same repository under the new name", async () => {
    const r = await moveBeside(2, 2, "acme/app");
    expect(r.outcome).toBe("moved");
    expect(r.holders).toEqual([2]);
    expect(r.after).toBe("acme/app");
  });

  it("control: the same repository noted by both keeps its name once", async () => {
    const r = await noteBeside(2, 2, "acme/app");
    expect(r.outcome).toBe("noted");
    expect(r.holders).toEqual([2]);
    expect(r.after).toBe("acme/app");
  });
});

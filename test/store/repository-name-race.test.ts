import type pg from "pg";
import { expect, it } from "vitest";
import { advisoryKey } from "../../src/store/advisory-key.js";
import type { PostgresStore } from "../../src/store/postgres-store.js";
import { repositoryNameTurn } from "../../src/store/repository-moves.js";
import { waitForLockWait } from "../support/postgres.js";
import { postgresSuite, raceStores } from "../support/postgres-replicas.js";

// Two replicas on one PostgreSQL (READ COMMITTED) note a repository's name at once, each in the
// transaction that keeps a delivery: a conflict on a unique key the insert did not name as its
// arbiter is an error on PostgreSQL, not an update, and the delivery was answered 500 (the replica
// benchmark's "duplicate key value violates unique constraint repositories_full_name_key").
/** What a race leaves: `act`'s outcome (or its error), who holds the name, and `id`'s name at the end. */
interface Raced {
  outcome: string;
  holders: number[];
  after: string | undefined;
}

postgresSuite("a repository's name noted by two transactions at once (PostgreSQL)", () => {
  const fresh = raceStores();

  /**
   * Runs `act` on a store of a fresh database while `hold`, in another transaction, holds what it
   * needs; commits that once `act` waits on it, then reads back who holds `name` and `id`'s name
   * (after `settle`, what the store does next).
   */
  async function raced(
    id: number,
    name: string,
    steps: {
      before?: (store: PostgresStore) => Promise<unknown>;
      hold: (other: pg.Client) => Promise<unknown>;
      act: (store: PostgresStore) => Promise<string>;
      settle?: (store: PostgresStore) => Promise<unknown>;
    },
  ): Promise<Raced> {
    return fresh({ replicas: ["a"], clients: ["other"] }, async ({ stores: { a: store }, clients: { other } }) => {
      await steps.before?.(store);
      await other.query("BEGIN");
      await steps.hold(other);
      const acting = steps.act(store).then(
        (out) => out,
        (e: Error) => e.message,
      );
      await waitForLockWait(other, "the store's transaction never waited for the other");
      await other.query("COMMIT");
      const outcome = await acting;
      const rows = (await other.query("SELECT id::int AS id FROM repositories WHERE full_name = $1", [name])).rows;
      await steps.settle?.(store);
      return { outcome, holders: rows.map((r) => r.id), after: await store.repositoryName(id) };
    });
  }

  /** Notes `id`'s name while another transaction, not yet committed, gave `name` to `otherId`. */
  function noteBeside(otherId: number, id: number, name: string): Promise<Raced> {
    return raced(id, name, {
      hold: (other) => other.query("INSERT INTO repositories (id, full_name) VALUES ($1, $2)", [otherId, name]),
      act: (store) => store.noteRepository(id, name).then(() => "noted"),
      // What the next delivery of `id` does: notes it again, the name now its own.
      settle: (store) => store.noteRepository(id, name),
    });
  }

  it("a name another repository (deleted, made again under it) took meanwhile fails nothing", async () => {
    const r = await noteBeside(1, 2, "acme/app");
    expect(r.outcome).toBe("noted");
    // Taken after the other committed, as the later of two notes: the name is this one's.
    expect(r.holders).toEqual([2]);
    expect(r.after).toBe("acme/app");
  });

  /**
   * Moves `id` (known as acme/old) to `name` while another replica's note of `name` for `otherId`
   * is under way, as recordName writes it (the name's turn taken, then the row), not yet committed.
   */
  function moveBeside(otherId: number, id: number, name: string): Promise<Raced> {
    return raced(id, name, {
      before: (store) => store.noteRepository(id, "acme/old"),
      hold: async (other) => {
        await other.query("SELECT pg_advisory_xact_lock($1::bigint)", [advisoryKey("lock", repositoryNameTurn(name))]);
        await other.query("DELETE FROM repositories WHERE full_name = $1 AND id <> $2", [name, otherId]);
        await other.query("INSERT INTO repositories (id, full_name) VALUES ($1, $2) ON CONFLICT DO NOTHING", [otherId, name]);
      },
      act: (store) =>
        store.moveRepository({ from: "acme/old", to: name, repoId: id, actor: "github", how: "renamed" }).then((out) => out.kind as string),
    });
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

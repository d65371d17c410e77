import type pg from "pg";
import { expect, it } from "vitest";
import { advisoryKey } from "../../src/store/advisory-key.js";
import { repositoryNameTurn } from "../../src/store/repository-moves.js";
import { waitForLockWait } from "../support/postgres.js";
import { postgresSuite, raceStores } from "../support/postgres-replicas.js";

// A repository's first note (its row inserted, not yet committed) and a second note of it under
// another name, at once: the second read no row, took only its new name's turn, and its insert met
// the first's row once committed. It then renamed that row without its name's turn, while a third
// note, giving that name to another repository with the turn held, deleted the row: the rename
// found no row, and the second note, committed, left the repository with no name at all.

// Every UPDATE of `repositories` waits on this before it reads a row (a statement trigger): the
// second note's rename comes only after the third note committed. Two int keys, apart from the
// store's bigint advisory keys.
const UPDATE_GATE = "4242, 2";
const GATED_UPDATES = `
  CREATE FUNCTION test_update_gate() RETURNS trigger AS $$
  BEGIN PERFORM pg_advisory_xact_lock_shared(${UPDATE_GATE}); RETURN NULL; END $$ LANGUAGE plpgsql;
  CREATE TRIGGER test_update_gate BEFORE UPDATE ON repositories FOR EACH STATEMENT EXECUTE FUNCTION test_update_gate();`;

/** Waits until `n` transactions wait on a lock (the gate, or a name's turn). */
function waiting(client: pg.Client, n: number): Promise<void> {
  return waitForLockWait(client, `never ${n} transactions waiting`, { timeoutMs: 10_000, count: n });
}

postgresSuite("a repository's name noted while its first note commits (PostgreSQL)", () => {
  const fresh = raceStores();

  /**
   * Repository 1's first note (acme/first, uncommitted) is under way while repository 1 is noted as
   * acme/second and, when `third`, repository 3 as acme/first; then the first commits.
   */
  async function notedWhileFirstCommits(third: boolean) {
    return fresh({ replicas: ["a", "c"], clients: ["first", "gate"] }, async ({ stores: { a, c }, clients: { first, gate } }) => {
      await gate.query(GATED_UPDATES);
      await gate.query(`SELECT pg_advisory_lock(${UPDATE_GATE})`);
      // As recordName writes a first note: the name's turn, then the row.
      await first.query("BEGIN");
      await first.query("SELECT pg_advisory_xact_lock($1::bigint)", [advisoryKey("lock", repositoryNameTurn("acme/first"))]);
      await first.query("INSERT INTO repositories (id, full_name) VALUES (1, 'acme/first')");
      const noted = (p: Promise<void>) =>
        p.then(
          () => "noted",
          (e: Error) => e.message,
        );
      const second = noted(a.noteRepository(1, "acme/second"));
      await waiting(gate, 1);
      // Queued for acme/first's turn before the second note could ask for it.
      const other = third ? noted(c.noteRepository(3, "acme/first")) : Promise.resolve("none");
      if (third) await waiting(gate, 2);
      await first.query("COMMIT");
      const thirdOutcome = await other;
      await gate.query(`SELECT pg_advisory_unlock(${UPDATE_GATE})`);
      const outcomes = [await second, thirdOutcome];
      const rows = (await gate.query("SELECT id::int AS id, full_name FROM repositories ORDER BY id")).rows;
      return { outcomes, names: rows.map((r) => [r.id, r.full_name]) };
    });
  }

  it("another repository taking the first name meanwhile: the repository keeps its new name", async () => {
    const r = await notedWhileFirstCommits(true);
    expect(r.outcomes).toEqual(["noted", "noted"]);
    expect(r.names).toEqual([
      [1, "acme/second"],
      [3, "acme/first"],
    ]);
  });

  it("control: nobody else after the first name: renamed to the new one", async () => {
    const r = await notedWhileFirstCommits(false);
    expect(r.outcomes).toEqual(["noted", "none"]);
    expect(r.names).toEqual([[1, "acme/second"]]);
  });
});

import { expect, it } from "vitest";
import { postgresSuite, raceStores } from "../support/postgres-replicas.js";

// Two replicas on one PostgreSQL each note a repository under the name the other repository had
// (two repositories swapped names: each delivery in flight at once). Each note deletes the row that
// holds the name it gives and renames its own: with a turn for the given name only, each deleted
// the row the other was about to rename, and PostgreSQL ended one transaction as a deadlock: run
// again from the start (inTransaction), after a second's wait for the deadlock to be found, and
// answered 500 were it to cross again at each of its five attempts.

// A gate the test holds: every insert into `repositories` waits on it before its conflict check
// (BEFORE INSERT triggers fire first on INSERT ... ON CONFLICT), so both notes have deleted what
// they delete before either goes on: the crossing is forced, not left to timing. Two int keys, apart
// from the store's bigint advisory keys. Each note inserts once per attempt, and a sequence is not
// rolled back: it counts the attempts, so a transaction ended as a deadlock and run again shows.
const GATE = "4242, 1";
const GATED_INSERTS = `
  CREATE SEQUENCE test_attempts;
  CREATE FUNCTION test_gate() RETURNS trigger AS $$
  BEGIN PERFORM nextval('test_attempts'); PERFORM pg_advisory_xact_lock_shared(${GATE}); RETURN NEW; END $$ LANGUAGE plpgsql;
  CREATE TRIGGER test_gate BEFORE INSERT ON repositories FOR EACH ROW EXECUTE FUNCTION test_gate();`;

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the notes never reached the gate");
}

postgresSuite("two repositories taking each other's name at once (PostgreSQL)", () => {
  const fresh = raceStores();

  /** Repositories 1 and 2, known as acme/a and acme/b, noted at once on two replicas under `names`. */
  async function noteAtOnce(names: [string, string]) {
    const notes: [number, string][] = [
      [1, names[0]],
      [2, names[1]],
    ];
    return fresh({ replicas: ["a", "b"], clients: ["gate"] }, async ({ stores: { a, b }, clients: { gate } }) => {
      await a.noteRepository(1, "acme/a");
      await a.noteRepository(2, "acme/b");
      await gate.query(GATED_INSERTS);
      await gate.query("BEGIN");
      await gate.query(`SELECT pg_advisory_xact_lock(${GATE})`);
      const stores = [a, b];
      const outcomes = notes.map(([id, name], i) =>
        (stores[i] ?? a).noteRepository(id, name).then(
          () => "noted",
          (e: Error) => e.message,
        ),
      );
      // Both wait: at the gate (their insert), or (taking turns) one at the gate and one for a
      // name's turn (the store's advisory keys are one bigint: objsubid 1). By the locks they wait
      // for, so that nothing else waiting opens the gate early.
      await waitFor(async () => {
        const r = await gate.query(
          `SELECT count(*) FILTER (WHERE classid = 4242 AND objid = 1 AND objsubid = 2)::int AS gated,
                  count(*) FILTER (WHERE objsubid = 1)::int AS turns
           FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        const { gated, turns } = r.rows[0];
        return gated >= 1 && gated + turns >= notes.length;
      });
      await gate.query("COMMIT");
      const done = await Promise.all(outcomes);
      const rows = (await gate.query("SELECT id::int AS id, full_name FROM repositories ORDER BY id")).rows;
      const attempts = (await gate.query("SELECT last_value::int AS n FROM test_attempts")).rows[0].n;
      return { outcomes: done, names: rows.map((r) => [r.id, r.full_name]), attempts };
    });
  }

  it("acme/a and acme/b swapped: both notes go through, each name its new holder's", async () => {
    const r = await noteAtOnce(["acme/b", "acme/a"]);
    expect(r.outcomes).toEqual(["noted", "noted"]);
    // Once each: neither was ended as a deadlock and run again.
    expect(r.attempts).toBe(2);
    expect(r.names).toEqual([
      [1, "acme/b"],
      [2, "acme/a"],
    ]);
  });

  it("control: two repositories renamed at once to names no one had keep their own rows", async () => {
    const r = await noteAtOnce(["acme/c", "acme/d"]);
    expect(r.outcomes).toEqual(["noted", "noted"]);
    expect(r.attempts).toBe(2);
    expect(r.names).toEqual([
      [1, "acme/c"],
      [2, "acme/d"],
    ]);
  });
});

import { isDeletedRepositoryName, type RepoMoveStore, renamedIn } from "../model/repo-move.js";
import type { Db, Tx, TxBody } from "./db/db.js";
import { json } from "./db/db.js";
import { now } from "./store-driver.js";

/**
 * Rows that decide what may happen next in a repository, or would collide with the moved ones
 * (keyed by repo): any of them under the new name means another repository's live state is
 * there, and moving would merge two repositories' locks, plans or drift.
 */
const LIVE_UNDER_NEW_NAME: readonly [table: string, where: string][] = [
  ["locks", ""],
  ["lock_waiters", ""],
  ["pr_operations", ""],
  ["plans", "AND status = 'pending'"],
  ["state_holds", "AND released_at IS NULL"],
  ["jobs", "AND status IN ('queued', 'running')"],
  ["drift_issues", ""],
  ["drift_pauses", ""],
  ["drift_schedules", ""],
  ["drift_checks", ""],
  ["policy_checks", ""],
  ["policy_approvals", ""],
  ["previews", ""],
  ["head_pushes", ""],
];

/**
 * Moved by their `repo` column: every table that keys live state, and the records live state is
 * read from (applies and their plans: a failed apply keeps its locks; live applies: what drift
 * skips and enrols; jobs: a lock's pull request is found through its latest job, and one PR's jobs
 * take turns by repo). Left under the old name, as history: audit events (the move is one of them)
 * and job logs.
 */
const MOVED_BY_COLUMN = [
  "locks",
  "pr_operations",
  "plans",
  "state_holds",
  "applies",
  "live_applies",
  "drift_issues",
  "drift_pauses",
  "drift_checks",
  "policy_checks",
  "policy_approvals",
  "head_pushes",
] as const;

/** Moved with their JSON rewritten too: they carry a job target (repo, clone URL) to act on later. */
const MOVED_WITH_JSON: readonly [table: string, column: string, key: string][] = [
  ["jobs", "target", "id"],
  ["lock_waiters", "target", "pr"],
  ["drift_schedules", "target", "cron"],
  ["previews", "record", "project"],
];

/** The repository moves and the id → name record, written once for both databases. */
export function repositoryMoveMethods(db: Db): RepoMoveStore {
  return {
    async moveRepository(move) {
      return db.tx(function* (t) {
        // Every move takes turns with the others (two deliveries of one rename move once), and with
        // lock takes under the old name: a take either lands before the move, or after it under the new name.
        yield* t.serialize("lock", "repository-move");
        if (move.deliveryId) {
          const seen = yield* t.get<{ id: string }>("SELECT id FROM deliveries WHERE id = ?", [move.deliveryId]);
          if (seen) return { kind: "duplicate" as const };
        }
        // Rows under the new name are this repository's own when it was heard under it already
        // (a delivery under the new name came first): what is left under the old name joins them.
        const known = yield* t.get<{ full_name: string; moved_at: string | null }>(
          "SELECT full_name, moved_at FROM repositories WHERE id = ?",
          [move.repoId],
        );
        const current = known?.full_name;
        // Made before the move last followed (its delivery failed, and came again after a rename
        // back): followed now, it would put the rows under a name the repository no longer has.
        if (move.at && known?.moved_at && Date.parse(move.at) < Date.parse(known.moved_at)) {
          if (move.deliveryId) yield* spend(t, move.deliveryId);
          return {
            kind: "outdated" as const,
            reason: `made at ${move.at}, before the move last followed (${known.moved_at}): nothing moved`,
          };
        }
        // The name it was last heard under, when a rename before this one was missed (X → Y lost,
        // then Y → Z): its rows move too, or PR A's lock under X would be left behind for good.
        const named = [move.from, ...(current !== undefined && current !== move.from && current !== move.to ? [current] : [])];
        // A name another repository has now (created under the freed name) keeps that one's rows:
        // a late delivery of this rename must not take them.
        const sources: string[] = [];
        for (const name of named) if (!(yield* heldByAnother(t, name, move.repoId))) sources.push(name);
        if (sources.length === 0)
          return { kind: "refused" as const, reason: `${move.from} is another repository's name now: nothing moved` };
        for (const from of sources) yield* t.serialize("lock", repositoryTurn(from));
        // A deleted repository heard of under a name another repository has now: a delivery made
        // before its deletion (GitHub gives no restored repository a taken name), whose rows would
        // join that one's and whose name record would push that one's out.
        if (sources.some(isDeletedRepositoryName) && (yield* heldByAnother(t, move.to, move.repoId)))
          return {
            kind: "refused" as const,
            reason: `${move.to} is another repository's name now, and ${move.from} was deleted: nothing moved`,
            keptUnder: sources,
          };
        const taken = current === move.to ? [] : yield* liveRowsUnder(t, move.to);
        if (taken.length > 0)
          return {
            kind: "refused" as const,
            reason: `${move.to} already has live rows (${taken.join(", ")}): nothing moved`,
            keptUnder: sources,
          };
        if (move.deliveryId) yield* spend(t, move.deliveryId);
        let rows = 0;
        for (const from of sources) {
          for (const table of MOVED_BY_COLUMN)
            rows += (yield* t.run(`UPDATE ${table} SET repo = ? WHERE repo = ?`, [move.to, from])).changes;
          for (const [table, column, key] of MOVED_WITH_JSON)
            rows += yield* moveWithJson(t, table, column, key, from, move.to, move.installationId);
          yield* t.run("INSERT INTO repository_former_names (id, full_name) VALUES (?, ?) ON CONFLICT (id, full_name) DO NOTHING", [
            move.repoId,
            from,
          ]);
        }
        yield* recordName(t, move.repoId, move.to, move.at);
        // Moved back to a name it had (a rename back): that name is its own again.
        yield* t.run("DELETE FROM repository_former_names WHERE id = ? AND full_name = ?", [move.repoId, move.to]);
        yield* t.serialize("audit", "append");
        yield* t.run(
          "INSERT INTO audit_events (at, actor, action, repo, project, pr, detail) VALUES (?, ?, 'repository-moved', ?, NULL, NULL, ?)",
          [
            now(),
            move.actor,
            move.to,
            `${sources.join(" and ")} → ${move.to} (${move.how}, repository id ${move.repoId}): ${rows} row${rows === 1 ? "" : "s"} of its live state moved`,
          ],
        );
        return { kind: "moved" as const, rows };
      });
    },
    async repositoryName(repoId) {
      return (await db.get<{ full_name: string }>("SELECT full_name FROM repositories WHERE id = ?", [repoId]))?.full_name;
    },
    async wasRepositoryName(repoId, fullName) {
      return (
        (await db.get("SELECT 1 AS yes FROM repository_former_names WHERE id = ? AND full_name = ?", [repoId, fullName])) !== undefined
      );
    },
    async formerRepositoryNames(fullName) {
      const rows = await db.all<{ full_name: string }>(
        `SELECT f.full_name FROM repository_former_names f JOIN repositories r ON r.id = f.id
         WHERE r.full_name = ? ORDER BY f.full_name`,
        [fullName],
      );
      return rows.map((r) => r.full_name);
    },
    async formerNamesFreeOf(fullName) {
      const rows = await db.all<{ full_name: string }>(
        `SELECT f.full_name FROM repository_former_names f JOIN repositories r ON r.id = f.id
         WHERE r.full_name = ? AND NOT EXISTS (SELECT 1 FROM repositories o WHERE o.full_name = f.full_name)
         ORDER BY f.full_name`,
        [fullName],
      );
      return rows.map((r) => r.full_name);
    },
    async noteRepository(repoId, fullName) {
      await db.tx(function* (t) {
        yield* recordName(t, repoId, fullName);
      });
    },
  };
}

function* liveRowsUnder(t: Tx, repo: string): TxBody<string[]> {
  const found: string[] = [];
  for (const [table, where] of LIVE_UNDER_NEW_NAME) {
    const row = yield* t.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE repo = ? ${where}`, [repo]);
    if (Number(row?.n ?? 0) > 0) found.push(`${table}: ${row?.n}`);
  }
  return found;
}

/** The name is the repository's now: a repository that held it before (deleted, renamed away) no longer does. */
function* recordName(t: Tx, repoId: number, fullName: string, movedAt?: string): TxBody<void> {
  // Notes of one name take turns (PostgreSQL, READ COMMITTED): the later one's delete then sees the
  // earlier one's row and the name is the later one's, as if they had come one after the other.
  // Without it, a repository known under another name (a rename) updated to a name another
  // transaction was giving to another id failed on the name's unique key: the move answered 500.
  const held = new Set<string>();
  for (;;) {
    yield* takeNameTurns(t, repoId, fullName, held);
    yield* t.run("DELETE FROM repositories WHERE full_name = ? AND id <> ?", [fullName, repoId]);
    // Every unique key an arbiter: on PostgreSQL a conflict on a key not named (the name another
    // transaction, not yet committed, gave the same or another id) is an error, not an update, and the
    // delivery would be answered 500. A row there already (this id's, committed since the turns
    // were taken) is renamed below, or the turns are taken again.
    const added = yield* t.run("INSERT INTO repositories (id, full_name, moved_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [
      repoId,
      fullName,
      movedAt ?? null,
    ]);
    if (added.changes > 0) return;
    // The row is there after all: this repository's first note, committed since it was read, which
    // held its own name's turn only. Renamed without that name's turn, a note giving the name to
    // another repository meanwhile deleted the row under the rename: this note, committed, was lost.
    const current = (yield* t.get<{ full_name: string }>("SELECT full_name FROM repositories WHERE id = ?", [repoId]))?.full_name;
    if (current !== undefined && held.has(current)) {
      yield* t.run("UPDATE repositories SET full_name = ?, moved_at = COALESCE(?, moved_at) WHERE id = ?", [
        fullName,
        movedAt ?? null,
        repoId,
      ]);
      return;
    }
  }
}

/**
 * The turns of both names a note writes: the one it gives (whose holder's row it deletes) and the
 * one the repository has now (its row, renamed). Every note takes them in one order, all before it
 * writes: two repositories taking each other's name at once, each with its own name's turn only,
 * each deleted the row the other was about to rename, and PostgreSQL ended one as a deadlock (run
 * again after deadlock_timeout; answered 500 had it crossed at each attempt). Whoever renames or
 * deletes a row holds its name's turn, so once the current name's turn is held, the current name
 * stays; read again until it did not change. `held`: the turns this transaction has.
 */
function* takeNameTurns(t: Tx, repoId: number, fullName: string, held: Set<string>): TxBody<void> {
  const wanted = new Set([fullName]);
  for (;;) {
    const current = (yield* t.get<{ full_name: string }>("SELECT full_name FROM repositories WHERE id = ?", [repoId]))?.full_name;
    if (current !== undefined) wanted.add(current);
    // Out of order only when the repository was renamed between the read and its turn: rare, and
    // a third transaction crossing exactly then is what could still deadlock.
    const next = [...wanted].filter((name) => !held.has(name)).sort();
    if (next.length === 0) return;
    for (const name of next) {
      yield* t.serialize("lock", repositoryNameTurn(name));
      held.add(name);
    }
  }
}

/** The `repository` delivery is handled: a redelivery of it moves nothing again. */
function* spend(t: Tx, deliveryId: string): TxBody<void> {
  yield* t.run("INSERT INTO deliveries (id, event, job_id, received_at) VALUES (?, 'repository', NULL, ?)", [deliveryId, now()]);
}

function* moveWithJson(
  t: Tx,
  table: string,
  column: string,
  key: string,
  from: string,
  to: string,
  installationId: number | undefined,
): TxBody<number> {
  const rows = yield* t.all<Record<string, unknown>>(`SELECT * FROM ${table} WHERE repo = ?`, [from]);
  const keyCols = table === "lock_waiters" ? ["dir", "workspace", "scope", key] : table === "previews" ? ["pr", key] : [key];
  for (const row of rows) {
    const value = renamedIn(json<unknown>(String(row[column])), from, to, installationId);
    yield* t.run(`UPDATE ${table} SET repo = ?, ${column} = ? WHERE repo = ? AND ${keyCols.map((c) => `${c} = ?`).join(" AND ")}`, [
      to,
      JSON.stringify(value),
      from,
      ...keyCols.map((c) => row[c] as string | number),
    ]);
  }
  return rows.length;
}

/** The advisory key notes of a repository's name take turns on (recordName). */
export const repositoryNameTurn = (name: string) => `repository-name:${name}`;

/** The advisory key lock takes of a repository name and moves away from it take turns on. */
export const repositoryTurn = (name: string) => `repository:${name}`;

/**
 * The name to write a job's row under (a lock, a plan, its policy outcome): a job that began before
 * its repository was renamed still names the old one. Takes turns with moves away from `name`, so
 * the row lands before a move (and moves with it) or after it under the new name.
 */
export function* repositoryNow(t: Tx, name: string): TxBody<string> {
  yield* t.serialize("lock", repositoryTurn(name));
  return yield* currentRepositoryName(t, name);
}

/**
 * The name a repository's rows are kept under now, for a name a job may still use: the one
 * repository that was moved away from `name`, unless a repository has `name` now (then it is that
 * one's), else `name` itself.
 */
export function* currentRepositoryName(t: Tx, name: string): TxBody<string> {
  const rows = yield* t.all<{ full_name: string }>(
    `SELECT r.full_name FROM repository_former_names f JOIN repositories r ON r.id = f.id
     WHERE f.full_name = ? AND NOT EXISTS (SELECT 1 FROM repositories o WHERE o.full_name = ?)`,
    [name, name],
  );
  return rows.length === 1 && rows[0] ? rows[0].full_name : name;
}

function* heldByAnother(t: Tx, name: string, repoId: number): TxBody<boolean> {
  return (yield* t.get("SELECT 1 AS yes FROM repositories WHERE full_name = ? AND id <> ?", [name, repoId])) !== undefined;
}

import type { Tx, TxBody } from "./db.js";
import { MIGRATIONS, type Migration } from "./migrations.js";

/** A database whose schema is newer than this Sluice: refused rather than misread. */
export class SchemaTooNewError extends Error {
  constructor(found: number, known: number) {
    super(
      `the database's schema is at version ${found}, newer than this version of Sluice knows (${known}): run the newer Sluice, or point this one at another database`,
    );
    this.name = "SchemaTooNewError";
  }
}

/**
 * Brings the schema up to date: the migrations after the version `schema_version` records, in
 * order, in the caller's transaction (all of them or none). Replicas starting together take turns
 * (PostgreSQL's CREATE … IF NOT EXISTS is not safe against itself); the one after finds nothing to do.
 * Returns the versions applied.
 */
export function* migrate(t: Tx, migrations: readonly Migration[] = MIGRATIONS): TxBody<number[]> {
  yield* t.serialize("schema", "v1");
  yield* t.exec(`CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at ${t.dialect.types.time} NOT NULL
)`);
  const row = yield* t.get<{ version: number | null }>("SELECT MAX(version) AS version FROM schema_version");
  const current = row?.version ?? 0;
  const known = migrations.at(-1)?.version ?? 0;
  if (current > known) throw new SchemaTooNewError(current, known);
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    yield* m.up(t);
    yield* t.run("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, new Date().toISOString()]);
    applied.push(m.version);
  }
  return applied;
}

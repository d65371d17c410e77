import type { Tx, TxBody } from "./db.js";

/**
 * Version 6: states terraform could not save (`errored.tfstate`), kept with the hold on their
 * project until pushed. A released hold keeps its row for the record, without the state.
 */
export function* stateHoldsTable(t: Tx): TxBody<void> {
  const d = t.dialect.types;
  yield* t.exec(`CREATE TABLE IF NOT EXISTS state_holds (
  id ${d.id},
  repo TEXT NOT NULL,
  dir TEXT NOT NULL,
  workspace TEXT NOT NULL,
  project TEXT NOT NULL,
  pr INTEGER NOT NULL,
  job_id ${d.bigint} NOT NULL,
  message TEXT NOT NULL,
  state ${d.blob},
  created_at TEXT NOT NULL,
  released_at TEXT,
  released_by TEXT
);
CREATE INDEX IF NOT EXISTS state_holds_open ON state_holds (repo, dir, workspace, released_at);`);
}

import type { Tx, TxBody } from "./db.js";

/** Version 3: pull requests' previews, one row per repo, PR and project (the record as JSON). */
export function* previews(t: Tx): TxBody<void> {
  const d = t.dialect;
  yield* t.exec(`CREATE TABLE IF NOT EXISTS previews (
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  project TEXT NOT NULL,
  status TEXT NOT NULL,
  record ${d.types.json} NOT NULL,
  PRIMARY KEY (repo, pr, project)
);
CREATE INDEX IF NOT EXISTS previews_status ON previews (status);`);
}

import type { Tx, TxBody } from "./db.js";

/**
 * Version 10: the name each repository was last heard under, by GitHub's id (which a rename or a
 * transfer does not change), so that a delivery under a new name finds the rows kept under the
 * old one even when the `repository.renamed` delivery was missed. A name is one repository's at a
 * time: the one most recently heard under it.
 */
export function* repositoriesTable(t: Tx): TxBody<void> {
  yield* t.exec(`CREATE TABLE IF NOT EXISTS repositories (
  id ${t.dialect.types.bigint} PRIMARY KEY,
  full_name TEXT NOT NULL UNIQUE
);`);
}

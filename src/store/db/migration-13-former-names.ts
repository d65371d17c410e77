import type { Tx, TxBody } from "./db.js";

/**
 * Version 11: the names a repository (by GitHub id) was moved away from. A delivery made before
 * a rename and delivered after it (GitHub's redelivery of a failed one) names the repository by
 * its former name: that is not a rename back, and must not move its locks back there.
 */
export function* formerNamesTable(t: Tx): TxBody<void> {
  yield* t.exec(`CREATE TABLE IF NOT EXISTS repository_former_names (
  id ${t.dialect.types.bigint} NOT NULL,
  full_name TEXT NOT NULL,
  PRIMARY KEY (id, full_name)
);`);
}

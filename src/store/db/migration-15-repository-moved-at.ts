import type { Tx, TxBody } from "./db.js";

/**
 * Version 15: when GitHub made the last rename or transfer Sluice followed for each repository
 * (the delivery's `repository.updated_at`). A rename's delivery that failed and is redelivered
 * after a later one (a rename back) is older than it, and must not move the rows again.
 */
export function* repositoryMovedAt(t: Tx): TxBody<void> {
  yield* t.exec("ALTER TABLE repositories ADD COLUMN moved_at TEXT;");
}

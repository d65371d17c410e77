import type { Tx, TxBody } from "./db.js";

/**
 * Version 10: who settled a failed or cut-short apply by `/unlock` of its project, and when. A
 * settled one keeps no locks at its PR's close again (rule 8): the person checked the state. Null
 * for the rest, and for every apply kept before (unsettled, as they were).
 */
export function* applySettled(t: Tx): TxBody<void> {
  yield* t.exec(`ALTER TABLE applies ADD COLUMN settled_by TEXT;
ALTER TABLE applies ADD COLUMN settled_at ${t.dialect.types.time};`);
}

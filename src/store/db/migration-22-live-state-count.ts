import type { Tx, TxBody } from "./db.js";

/**
 * Version 22: what an apply's read-back found in the project's state, kept in the live record by
 * repo, dir and workspace: `state_addresses`, the managed resource instances the state read back
 * through the backend held (bounded by the count before and what the applies since created: see
 * live-state-counts.ts), what the plan applied adds and deletes (`state_grown`, `state_deletes`),
 * and `teardown`, whether it was a destroy plan the rules let through. A later plan's teardown is measured against these, not only against the prior state
 * its own run wrote. Null for applies kept before, and for those of no Terraform state.
 */
export function* liveStateCount(t: Tx): TxBody<void> {
  yield* t.exec(`ALTER TABLE live_applies ADD COLUMN state_addresses INTEGER;
ALTER TABLE live_applies ADD COLUMN state_grown INTEGER;
ALTER TABLE live_applies ADD COLUMN state_deletes INTEGER;
ALTER TABLE live_applies ADD COLUMN teardown ${t.dialect.types.bool};
CREATE INDEX IF NOT EXISTS live_applies_state ON live_applies (repo, dir, workspace, id);`);
}

import type { Tx, TxBody } from "./db.js";

/**
 * Version 7: a digest of the backend that refused a kept state, so that `/state push-errored`
 * pushes it into that backend only (null for holds kept before: pushed as before).
 */
export function* stateHoldBackend(t: Tx): TxBody<void> {
  yield* t.exec("ALTER TABLE state_holds ADD COLUMN backend TEXT");
}

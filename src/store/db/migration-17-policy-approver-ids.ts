import type { Tx, TxBody } from "./db.js";

/**
 * Version 17: the GitHub account id of each policy approval's giver. The `policies` owners a
 * server config names are accounts (a login is taken by another once its owner renames): an
 * approval is counted by its giver's account. Null for approvals kept before: they count by an
 * owning team only.
 */
export function* policyApproverIds(t: Tx): TxBody<void> {
  yield* t.exec(`ALTER TABLE policy_approvals ADD COLUMN login_id ${t.dialect.types.bigint}`);
}

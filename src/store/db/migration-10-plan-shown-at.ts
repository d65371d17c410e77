import type { Tx, TxBody } from "./db.js";

/**
 * Version 10: when a drift check's plan was shown, the moment its issue was updated with it
 * (GitHub's `updated_at` of that edit): a drift issue's `/apply` written before then never saw it.
 * Null for a plan never shown (its issue's update failed) and for pull requests' plans (shown by
 * their job's comment). The plans the issues show at upgrade count as shown when saved, as before.
 */
export function* planShownAt(t: Tx): TxBody<void> {
  yield* t.exec(`ALTER TABLE plans ADD COLUMN shown_at ${t.dialect.types.time}`);
  yield* t.run("UPDATE plans SET shown_at = created_at WHERE id IN (SELECT plan_id FROM drift_issues WHERE plan_id IS NOT NULL)");
}

import type { Tx, TxBody } from "./db.js";

/**
 * Version 11: when a job's final comment was posted, on GitHub's clock (the `updated_at` of its
 * edit): a pull request's plan is shown then, and a comment's `created_at` is compared with it on
 * the same clock. Null for answers posted before, or where GitHub's answer gave no time: those fall
 * back to the job's end on Sluice's clock.
 */
export function* resultShownAt(t: Tx): TxBody<void> {
  yield* t.exec(`ALTER TABLE job_results ADD COLUMN shown_at ${t.dialect.types.time}`);
}

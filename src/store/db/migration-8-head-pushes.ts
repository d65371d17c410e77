import type { Tx, TxBody } from "./db.js";

/**
 * Version 8: who pushed each head of a pull request (the `sender` of `pull_request.synchronize`),
 * so that the pusher's own approval of their push is not counted. One row per login and commit:
 * a replayed or repeated event adds nothing, and no one is ever taken off.
 */
export function* headPushesTable(t: Tx): TxBody<void> {
  yield* t.exec(`CREATE TABLE IF NOT EXISTS head_pushes (
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  head_sha TEXT NOT NULL,
  pusher TEXT NOT NULL,
  pushed_at TEXT NOT NULL,
  PRIMARY KEY (repo, pr, head_sha, pusher)
);`);
}

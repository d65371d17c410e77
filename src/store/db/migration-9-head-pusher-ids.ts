import type { Tx, TxBody } from "./db.js";

/**
 * Version 9: the GitHub account id of each head's pusher (the `synchronize` sender's `id`). A login
 * is the account's name for now: a pusher who renamed their account and approved under the new
 * login was another reviewer by login alone. Null for pushes kept before: told by login only.
 */
export function* headPusherIds(t: Tx): TxBody<void> {
  yield* t.exec(`ALTER TABLE head_pushes ADD COLUMN pusher_id ${t.dialect.types.bigint}`);
}

import type { Tx, TxBody } from "./db.js";

/**
 * Version 18: who issued each API token as their OpenID provider knows them (the provider's name
 * in the server config and the user's `sub`), beside the name `created_by` keeps. A name is the
 * user's `username_claim`, which a provider may let two accounts share or a user change: tokens
 * are revoked by this identity, which neither does. Null for tokens issued before, or by anyone
 * but an SSO user: those are matched by `created_by` as before.
 */
export function* apiTokenIssuers(t: Tx): TxBody<void> {
  yield* t.exec("ALTER TABLE api_tokens ADD COLUMN sso_provider TEXT;");
  yield* t.exec("ALTER TABLE api_tokens ADD COLUMN sso_subject TEXT;");
}

import type { Tx, TxBody } from "./db.js";

/**
 * Version 20: the issuer (its URL, as the server config named it) of the OpenID provider whose
 * user issued each API token. A provider's `name` is the operator's to change or to point at
 * another issuer; `sub` is unique only within one issuer: tokens are matched to their user by
 * issuer and `sub`, never by the name. Null for tokens issued before: an SSO user's such token
 * is refused (src/api/api-auth.ts), as Sluice cannot tell which issuer's user it stands on.
 */
export function* apiTokenIssuerUrls(t: Tx): TxBody<void> {
  yield* t.exec("ALTER TABLE api_tokens ADD COLUMN sso_issuer TEXT;");
}

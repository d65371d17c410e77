import type { Tx, TxBody } from "./db.js";

/**
 * Version 19: the back-channel logout tokens each SSO provider sent, by `jti`, until they would be
 * refused anyway (`expires_at`): a token is taken once, on whichever replica it reaches first, and
 * a replay of it (a copy from a log, a proxy) is refused on every one.
 */
export function* ssoLogoutTokensTable(t: Tx): TxBody<void> {
  yield* t.exec(`CREATE TABLE IF NOT EXISTS sso_logout_tokens (
  provider TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (provider, jti)
);`);
}

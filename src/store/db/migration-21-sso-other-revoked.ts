import type { Tx, TxBody } from "./db.js";

/**
 * Version 21: when Sluice last revoked at the provider the token of another console session of
 * the same SSO user (`sso_other_revoked_at`, the console's clock). A provider that revokes the
 * user's other grants with one token (Keycloak before 26.1, keycloak/keycloak#35486: the client's
 * sessions in all the user's) then refuses this session's next check: that refusal is Sluice's
 * own doing, not the provider's word on the user, and must not revoke the API tokens they issued.
 */
export function* ssoOtherRevoked(t: Tx): TxBody<void> {
  yield* t.exec("ALTER TABLE console_sessions ADD COLUMN sso_other_revoked_at TEXT;");
}

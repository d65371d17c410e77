import type { Tx, TxBody } from "./db.js";

/**
 * Version 16: what a console session an OpenID provider signed in keeps server-side, so that the
 * provider can be asked about its user again (src/model/sso-session.ts): the provider, subject and
 * provider session (back-channel logout), the groups (updated by each check, for every copy of the
 * cookie), when they were last checked, who is checking now (one check per session at a time: a
 * provider that rotates refresh tokens revokes the whole grant when one is used twice), and the
 * sealed refresh or access token.
 */
export function* ssoSessionColumns(t: Tx): TxBody<void> {
  const d = t.dialect.types;
  for (const column of [
    "sso_provider TEXT",
    "sso_subject TEXT",
    "sso_sid TEXT",
    `sso_groups ${d.json}`,
    "sso_checked_at TEXT",
    "sso_check_until TEXT",
    "sso_tokens TEXT",
  ])
    yield* t.exec(`ALTER TABLE console_sessions ADD COLUMN ${column};`);
}

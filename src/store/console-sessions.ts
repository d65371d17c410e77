import type { SsoSessionFacts } from "../model/sso-session.js";
import type { ConsoleStore } from "./console-store.js";
import { json } from "./db/db.js";
import { type StoreDriver, now } from "./store-driver.js";

export type ConsoleSessions = Pick<
  ConsoleStore,
  | "openConsoleSession"
  | "consoleSession"
  | "endConsoleSession"
  | "hasSsoSession"
  | "markOtherSsoRevoked"
  | "claimSsoCheck"
  | "releaseSsoCheck"
  | "recordSsoCheck"
  | "endSsoSessions"
  | "logOutOnce"
>;

interface Row {
  login: string;
  expires_at: string;
  sso_provider: string | null;
  sso_subject: string | null;
  sso_sid: string | null;
  sso_groups: string | null;
  sso_checked_at: string | null;
  sso_tokens: string | null;
  sso_other_revoked_at: string | null;
}

function ssoFacts(r: Row): SsoSessionFacts | undefined {
  if (r.sso_provider === null || r.sso_subject === null || r.sso_groups === null || r.sso_checked_at === null) return undefined;
  return {
    provider: r.sso_provider,
    subject: r.sso_subject,
    ...(r.sso_sid !== null ? { sid: r.sso_sid } : {}),
    groups: json<string[]>(r.sso_groups),
    checkedAt: r.sso_checked_at,
    ...(r.sso_tokens !== null ? { sealedTokens: r.sso_tokens } : {}),
    ...(r.sso_other_revoked_at !== null ? { otherRevokedAt: r.sso_other_revoked_at } : {}),
  };
}

/**
 * The sessions a back-channel logout names: the provider's session, its user, or both (then both
 * must match, except where the user's ID token named no session: the provider leaves `sid` out of
 * ID tokens unless the client requires it, so that session of theirs may be the one, and it ends).
 * Undefined when it names neither.
 */
function sessionsNamed(provider: string, { subject, sid }: { subject?: string; sid?: string }) {
  const where = ["sso_provider = ?"];
  const params = [provider];
  if (subject !== undefined) {
    where.push("sso_subject = ?");
    params.push(subject);
  }
  if (sid !== undefined) {
    where.push(subject !== undefined ? "(sso_sid = ? OR sso_sid IS NULL)" : "sso_sid = ?");
    params.push(sid);
  }
  return params.length === 1 ? undefined : { where: where.join(" AND "), params };
}

/** Console sign-in sessions, shared by every replica; an expired one is no one's. */
export function consoleSessions({ db }: StoreDriver): ConsoleSessions {
  return {
    async openConsoleSession({ key, login, expiresAt, sso }) {
      await db.run("DELETE FROM console_sessions WHERE expires_at < ?", [now()]);
      await db.run(
        `INSERT INTO console_sessions (key, login, expires_at, sso_provider, sso_subject, sso_sid, sso_groups, sso_checked_at, sso_tokens)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          key,
          login,
          expiresAt,
          sso?.provider ?? null,
          sso?.subject ?? null,
          sso?.sid ?? null,
          sso ? JSON.stringify(sso.groups) : null,
          sso?.checkedAt ?? null,
          sso?.sealedTokens ?? null,
        ],
      );
    },
    async consoleSession(key) {
      const row = await db.get<Row>(
        `SELECT login, expires_at, sso_provider, sso_subject, sso_sid, sso_groups, sso_checked_at, sso_tokens, sso_other_revoked_at
         FROM console_sessions WHERE key = ? AND expires_at > ?`,
        [key, now()],
      );
      if (!row) return undefined;
      const sso = ssoFacts(row);
      return { login: row.login, expiresAt: row.expires_at, ...(sso ? { sso } : {}) };
    },
    async endConsoleSession(key) {
      const rows = await db.all<{
        sso_provider: string | null;
        sso_subject: string | null;
        sso_sid: string | null;
        sso_tokens: string | null;
      }>("DELETE FROM console_sessions WHERE key = ? RETURNING sso_provider, sso_subject, sso_sid, sso_tokens", [key]);
      const row = rows[0];
      if (!row) return undefined;
      if (row.sso_provider === null) return {};
      return {
        sso: {
          provider: row.sso_provider,
          ...(row.sso_subject !== null ? { subject: row.sso_subject } : {}),
          ...(row.sso_sid !== null ? { sid: row.sso_sid } : {}),
          ...(row.sso_tokens !== null ? { sealedTokens: row.sso_tokens } : {}),
        },
      };
    },
    async hasSsoSession(provider, subject, sid) {
      const ofSid = sid === undefined ? "" : " AND (sso_sid = ? OR sso_sid IS NULL)";
      const row = await db.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM console_sessions WHERE sso_provider = ? AND sso_subject = ? AND expires_at > ?${ofSid}`,
        [provider, subject, now(), ...(sid === undefined ? [] : [sid])],
      );
      return Number(row?.n ?? 0) > 0;
    },
    async markOtherSsoRevoked(provider, subject, at) {
      await db.run("UPDATE console_sessions SET sso_other_revoked_at = ? WHERE sso_provider = ? AND sso_subject = ? AND expires_at > ?", [
        at,
        provider,
        subject,
        now(),
      ]);
    },
    async claimSsoCheck(key, checkedAt, at, until) {
      // Only while no one else's claim is live, and only of the check this caller read as due.
      const r = await db.run(
        `UPDATE console_sessions SET sso_check_until = ?
         WHERE key = ? AND sso_checked_at = ? AND (sso_check_until IS NULL OR sso_check_until < ?)`,
        [until, key, checkedAt, at],
      );
      return r.changes > 0;
    },
    async releaseSsoCheck(key) {
      await db.run("UPDATE console_sessions SET sso_check_until = NULL WHERE key = ?", [key]);
    },
    async recordSsoCheck(key, { groups, checkedAt, sealedTokens }) {
      await db.run(
        `UPDATE console_sessions SET sso_groups = ?, sso_checked_at = ?, sso_check_until = NULL, sso_tokens = COALESCE(?, sso_tokens)
         WHERE key = ?`,
        [JSON.stringify(groups), checkedAt, sealedTokens ?? null, key],
      );
    },
    async endSsoSessions(provider, by) {
      const named = sessionsNamed(provider, by);
      return named ? (await db.run(`DELETE FROM console_sessions WHERE ${named.where}`, named.params)).changes : 0;
    },
    async logOutOnce(provider, { jti, until }, by) {
      // One transaction: a jti kept while its sessions failed to end would have the provider's
      // retry refused as a replay, and the sessions stay open.
      return db.tx(function* (t) {
        yield* t.run("DELETE FROM sso_logout_tokens WHERE expires_at < ?", [now()]);
        const taken = yield* t.run(
          "INSERT INTO sso_logout_tokens (provider, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT (provider, jti) DO NOTHING",
          [provider, jti, until],
        );
        if (taken.changes === 0) return undefined;
        const named = sessionsNamed(provider, by);
        return named ? (yield* t.run(`DELETE FROM console_sessions WHERE ${named.where}`, named.params)).changes : 0;
      });
    },
  };
}

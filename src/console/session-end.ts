import type { SsoSessionOf } from "../model/sso-session.js";
import type { SsoProvider } from "../sso/sso-provider.js";
import { revokeSessionTokens } from "../sso/revoke-session-tokens.js";
import { openSessionTokens } from "../sso/session-tokens.js";
import type { ConsoleStore } from "../store/console-store.js";
import { type ConsoleSessionData, sessionKey } from "./console-session.js";

export interface SessionEnding {
  /**
   * Ends the cookie's session (sign-out, a new sign-in over it, a session found over); `next`: the
   * SSO user the new sign-in over it is of.
   */
  endSession(s: Pick<ConsoleSessionData, "sid" | "sso" | "ssoFrom">, next?: SsoSessionOf): Promise<void>;
  /** Ends the session of `sid`, whose provider is `provider` (checked by the caller). */
  endSessionOf(sid: string, provider: SsoProvider | undefined, next?: SsoSessionOf): Promise<void>;
}

/**
 * Ending a console session, the one way, wherever it ends: its row goes from the store (every
 * replica refuses the cookie from then on), and the refresh token (else access token) an SSO
 * session held is revoked at its provider, in the background: neither a provider that is down nor
 * a slow one keeps the session from ending, and its failure is logged. The token is sent only to
 * the provider that gave it: the one of the session's name, issuer and client. A user's other
 * session keeps it from being sent only where the two may share the provider's session (the same
 * `sid`, or one that named none): a sign-in again in the same browser shares its grant there
 * (oidc-provider revokes the whole grant with one token), and the other session's next check would
 * then read as the provider refusing the user: their sessions ended and every API token they
 * issued revoked. A session of theirs at the provider in another browser is another grant (RFC
 * 7009 revokes the token and at most its grant; Keycloak since 26.1 its one client session), so
 * what this session was given is revoked, not left live beside it; a provider that revokes the
 * user's other grants too is noted on their other sessions (src/console/sso-session-recheck.ts).
 */
export function sessionEnding(deps: {
  store: Pick<ConsoleStore, "endConsoleSession" | "hasSsoSession" | "markOtherSsoRevoked">;
  sso: ReadonlyMap<string, SsoProvider>;
  sessionSecret: string;
  log: { warn(obj: object, msg: string): void };
  now: () => number;
}): SessionEnding {
  /**
   * Whether the user of the ended session holds, or is about to hold, another session that may
   * share its session at the provider (`sid`): the same one, or either unknown.
   */
  async function shared(ended: { provider: string; subject?: string; sid?: string }, next: SsoSessionOf | undefined): Promise<boolean> {
    const { provider, subject, sid } = ended;
    if (subject === undefined) return false;
    if (next?.provider === provider && next.subject === subject && (sid === undefined || next.sid === undefined || next.sid === sid))
      return true;
    return deps.store.hasSsoSession(provider, subject, sid);
  }

  async function endSessionOf(sid: string, provider: SsoProvider | undefined, next?: SsoSessionOf) {
    const key = sessionKey(sid);
    const ended = await deps.store.endConsoleSession(key);
    const sealed = ended?.sso?.sealedTokens;
    if (!sealed || !provider || ended?.sso?.provider !== provider.name) return;
    if (await shared(ended.sso, next)) return;
    const tokens = openSessionTokens(sealed, deps.sessionSecret, sid, key);
    if (!tokens) return;
    // Noted before it is sent: a check of the user's other session that the provider refuses from
    // then on may be this revocation's doing (src/console/sso-session-recheck.ts).
    if (ended.sso.subject !== undefined)
      await deps.store.markOtherSsoRevoked(provider.name, ended.sso.subject, new Date(deps.now()).toISOString());
    void revokeSessionTokens(provider, tokens, deps.log);
  }

  return {
    endSessionOf,
    async endSession(s, next) {
      if (!s.sid) return;
      const p = s.sso !== undefined ? deps.sso.get(s.sso) : undefined;
      // A provider of that name pointed at another issuer or client since is another provider.
      const same = p && s.ssoFrom?.issuer === p.settings.issuer && s.ssoFrom.clientId === p.settings.client_id;
      await endSessionOf(s.sid, same ? p : undefined, next);
    },
  };
}

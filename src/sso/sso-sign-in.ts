import * as oidc from "openid-client";
import type { SsoSessionTokens } from "../model/sso-session.js";
import { grantsFromGroups, groupsOf, namedGroups, type RoleGrant } from "./role-grants.js";
import type { SsoProvider } from "./sso-provider.js";

/** What the browser's session holds between `/login/sso/<name>` and its callback: used once. */
export interface PendingSsoSignIn {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
}

/** A user the provider signed in, as the console and the audit trail name them. */
export interface SsoIdentity {
  /** `sso:<provider>:<username>`: a GitHub login has no colon, so the two never meet. */
  actor: string;
  username: string;
  subject: string;
  grants: RoleGrant[];
  /** The user's groups that the provider's roles name (see namedGroups). */
  groups: string[];
}

/** The authorization URL (code flow, PKCE S256, state, nonce) and what to keep for the callback. */
export async function beginSsoSignIn(provider: SsoProvider, client: oidc.Configuration, redirectUri: string) {
  const pending: PendingSsoSignIn = {
    provider: provider.name,
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    verifier: oidc.randomPKCECodeVerifier(),
  };
  const url = oidc.buildAuthorizationUrl(client, {
    redirect_uri: redirectUri,
    scope: provider.settings.scopes.join(" "),
    response_type: "code",
    code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: "S256",
    state: pending.state,
    nonce: pending.nonce,
  });
  return { url: url.href, pending };
}

/**
 * Trades the code for tokens; openid-client checks the state, the ID token's signature against the
 * provider's key set, its issuer, audience, expiry and nonce. The groups come from the ID token,
 * or from userinfo when the provider leaves them out of it.
 */
export async function finishSsoSignIn(
  provider: SsoProvider,
  client: oidc.Configuration,
  callbackUrl: URL,
  pending: PendingSsoSignIn,
  now: number = Date.now(),
): Promise<SsoIdentity & { sid?: string; tokens: SsoSessionTokens }> {
  const tokens = await oidc.authorizationCodeGrant(client, callbackUrl, {
    pkceCodeVerifier: pending.verifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  if (!claims) throw new Error("the provider sent no ID token");
  let all: Record<string, unknown> = claims;
  if (claims[provider.settings.groups_claim] === undefined && tokens.access_token) {
    all = { ...(await oidc.fetchUserInfo(client, tokens.access_token, claims.sub)), ...claims };
  }
  const expiresIn = tokens.expiresIn();
  // Kept server-side to ask the provider again (src/console/sso-session-recheck.ts): the refresh
  // token where it gave one, else the access token and when it expires.
  const kept: SsoSessionTokens = tokens.refresh_token
    ? { refreshToken: tokens.refresh_token }
    : tokens.access_token
      ? {
          accessToken: tokens.access_token,
          ...(expiresIn !== undefined ? { accessExpiresAt: new Date(now + expiresIn * 1000).toISOString() } : {}),
        }
      : {};
  const sid = typeof claims.sid === "string" ? claims.sid : undefined;
  return { ...identityFromClaims(provider, all), ...(sid ? { sid } : {}), tokens: kept };
}

/** The identity and roles of a user from their claims (ID token, userinfo or a JWT access token). */
export function identityFromClaims(provider: Pick<SsoProvider, "name" | "settings">, claims: Record<string, unknown>): SsoIdentity {
  const subject = String(claims.sub ?? "");
  const pick = (v: unknown) => (typeof v === "string" && v.trim() ? v : undefined);
  // An address the provider says it never verified is whatever the user typed into their profile
  // (someone else's, say): it names no one, whichever claim would have read it.
  const unverified = claims.email_verified === false || claims.email_verified === "false";
  const claimed = (name: string) => (name === "email" && unverified ? undefined : pick(claims[name]));
  const raw = claimed(provider.settings.username_claim) ?? claimed("email") ?? subject;
  // Shown on pages and written to the audit trail: no control characters or spaces, bounded.
  const username = raw.replace(/[\s\p{Cc}]+/gu, "_").slice(0, 100);
  const groups = groupsOf(claims[provider.settings.groups_claim]);
  return {
    actor: `sso:${provider.name}:${username}`,
    username,
    subject,
    grants: grantsFromGroups(provider.settings.roles, groups),
    groups: namedGroups(provider.settings.roles, groups),
  };
}

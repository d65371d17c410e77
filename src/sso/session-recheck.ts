import * as oidc from "openid-client";
import type { SsoSessionTokens } from "../model/sso-session.js";
import { describeOidcError } from "./oidc-error.js";
import { groupsOf, namedGroups } from "./role-grants.js";
import type { SsoProvider } from "./sso-provider.js";

/**
 * What the provider says of a signed-in user now: their groups (and the tokens to keep, where it
 * rotated them), or that it refuses them (disabled, signed out, the grant revoked), or that the
 * session ends for another reason (the access token expired with no refresh token to renew it, an
 * answer Sluice cannot trust): the user signs in again, and nothing they did is undone.
 */
export type Recheck =
  | { kind: "ok"; groups: string[]; tokens?: SsoSessionTokens }
  | { kind: "refused"; reason: string }
  | { kind: "ended"; reason: string };

/** The provider could not be asked (down, a 5xx, Sluice's own credentials refused): nothing is decided. */
export class ProviderUnavailable extends Error {
  override name = "ProviderUnavailable";
}

/** The provider's answer that refuses the user: the grant (refresh token) or the access token is no longer good. */
function refusesUser(e: unknown): boolean {
  if (e instanceof oidc.ResponseBodyError) return e.status < 500 && e.error === "invalid_grant";
  if (e instanceof oidc.WWWAuthenticateChallengeError)
    return e.status === 401 && e.cause.some((c) => c.parameters.error === "invalid_token");
  return false;
}

/** A network failure, a 5xx or any other HTTP answer that does not refuse the user. */
function unreachable(e: unknown): boolean {
  if (e instanceof oidc.ResponseBodyError || e instanceof oidc.WWWAuthenticateChallengeError) return true;
  if (e instanceof TypeError) return true;
  if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) return true;
  const code = (e as { code?: string }).code;
  return code === "OAUTH_RESPONSE_IS_NOT_CONFORM" || code === "OAUTH_RESPONSE_IS_NOT_JSON";
}

/**
 * Asks the provider about the user of a session: the refresh_token grant where it gave one (its
 * ID token, checked by openid-client as at sign-in, must name the same `sub`), else userinfo with
 * the access token. The groups come from the fresh ID token, else from userinfo. An answer Sluice
 * cannot trust (a bad signature, another subject) ends the session; one it cannot get throws
 * ProviderUnavailable.
 */
export async function recheckWithProvider(
  provider: Pick<SsoProvider, "name" | "settings">,
  client: oidc.Configuration,
  tokens: SsoSessionTokens,
  subject: string,
  now: number,
): Promise<Recheck> {
  const claim = provider.settings.groups_claim;
  try {
    if (tokens.refreshToken) {
      const fresh = await oidc.refreshTokenGrant(client, tokens.refreshToken);
      const claims = fresh.claims();
      if (claims && claims.sub !== subject) return { kind: "ended", reason: "its refreshed ID token names another user" };
      let groups = claims?.[claim];
      if (groups === undefined && fresh.access_token) groups = (await oidc.fetchUserInfo(client, fresh.access_token, subject))[claim];
      const kept: SsoSessionTokens = { refreshToken: fresh.refresh_token ?? tokens.refreshToken };
      return { kind: "ok", groups: namedGroups(provider.settings.roles, groupsOf(groups)), tokens: kept };
    }
    if (!tokens.accessToken) return { kind: "ended", reason: "the provider gave no token to ask it with" };
    if (tokens.accessExpiresAt && Date.parse(tokens.accessExpiresAt) <= now)
      return { kind: "ended", reason: "its access token expired and it gave no refresh token" };
    const info = await oidc.fetchUserInfo(client, tokens.accessToken, subject);
    return { kind: "ok", groups: namedGroups(provider.settings.roles, groupsOf(info[claim])) };
  } catch (e) {
    if (refusesUser(e)) return { kind: "refused", reason: describeOidcError(e) };
    if (unreachable(e)) throw new ProviderUnavailable(describeOidcError(e));
    // An answer openid-client refused (a signature, a claim, another subject in userinfo): the
    // session ends, but it is no word of the provider's against the user.
    return { kind: "ended", reason: `its answer was refused: ${describeOidcError(e)}` };
  }
}

import { TOKEN_PREFIX, tokenDigest } from "../console/token-actions.js";
import { rootOf } from "../console/user-tokens.js";
import type { ApiTokenStore } from "../store/api-token-store.js";
import type { SsoProvider } from "../sso/sso-provider.js";
import { type ApiAuth, tokenCaller } from "./api-caller.js";
import { createSsoJwtAuth } from "./sso-jwt-auth.js";
import { ssoUserinfoAuth } from "./sso-userinfo-auth.js";

type AuthStore = ApiTokenStore & { knownRepos(): Promise<string[]> };

/**
 * Who a bearer token is: a token an admin issued (looked up by digest: not revoked, not expired),
 * a provider's JWT access token (RFC 9068 `at+jwt`, checked against the provider's key set:
 * issuer, audience = client_id or `api_audiences`, expiry), or a provider's opaque access token
 * (asked of its userinfo endpoint; with several providers the caller names one in
 * `X-Sluice-Provider`, so a token never goes to a provider it is not from).
 */
export function createApiAuth(deps: { store: AuthStore; sso: ReadonlyMap<string, SsoProvider> }) {
  const fromJwt = createSsoJwtAuth(deps.sso);
  return async function authenticate(authorization: string | undefined, providerHeader: string | undefined): Promise<ApiAuth> {
    const m = /^Bearer ([\x21-\x7e]{1,8192})$/.exec(authorization ?? "");
    if (!m) return { ok: false, error: "send a bearer token: Authorization: Bearer <token>" };
    const token = m[1] as string;
    // Read once the token holds: a refused token costs no read of every repository.
    const repos = () => deps.store.knownRepos();
    if (token.startsWith(TOKEN_PREFIX)) {
      const record = await deps.store.usableApiToken(tokenDigest(token));
      if (!record) return { ok: false, error: "the token is unknown, revoked or expired" };
      // Sluice cannot tell whose it is: the provider's name it recorded may since be another
      // issuer's (whose `sub` names someone else), and this issuer's user may be refused under
      // another name. So for a token issued with such a token, which stands on the same user.
      const root = record.createdBy.startsWith("token:") ? rootOf(await deps.store.apiTokens(), record) : record;
      if (root.issuerUnknown)
        return {
          ok: false,
          error: `the token ${root === record ? "was" : `stands on token ${root.id}, which was`} issued by an SSO user (${root.createdBy}) before Sluice recorded their provider's issuer (store migration 20): it is refused; issue a new one`,
        };
      return { ok: true, caller: tokenCaller(record, await repos()) };
    }
    if (token.split(".").length === 3) return fromJwt(token, repos);
    return ssoUserinfoAuth(deps.sso, token, providerHeader, repos);
  };
}

import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import * as oidc from "openid-client";
import type { Principal } from "../console/principal.js";
import { TOKEN_PREFIX, tokenDigest } from "../console/token-actions.js";
import type { ApiTokenRecord, ApiTokenStore, TokenScope } from "../store/api-token-store.js";
import { accessFromGrants, type ConsoleRole, holdsEverywhere, type RoleGrant } from "../sso/role-grants.js";
import { describeOidcError } from "../sso/oidc-error.js";
import { CLOCK_TOLERANCE_S, type SsoProvider } from "../sso/sso-provider.js";
import { identityFromClaims } from "../sso/sso-sign-in.js";

/** A caller of the API: a principal, and the scopes its token carries. */
export interface ApiCaller extends Principal {
  scopes: ReadonlySet<TokenScope>;
}

export type ApiAuth = { ok: true; caller: ApiCaller } | { ok: false; error: string };

const SCOPE_ROLE: Record<TokenScope, ConsoleRole> = { read: "viewer", operate: "operator", admin: "admin" };
const ROLE_SCOPES: Record<ConsoleRole, TokenScope[]> = {
  viewer: ["read"],
  operator: ["read", "operate"],
  admin: ["read", "operate", "admin"],
};

/** The caller an issued token stands for: its highest scope as a role, over its repositories. */
export function tokenCaller(t: ApiTokenRecord, repos: readonly string[]): ApiCaller {
  const top = (["admin", "operate", "read"] as const).find((s) => t.scopes.includes(s)) ?? "read";
  const grants: RoleGrant[] = [{ role: SCOPE_ROLE[top], ...(t.repos.length ? { repos: t.repos } : {}) }];
  return {
    actor: `token:${t.id}:${t.name}`,
    via: `the API (token ${t.id} ${t.name})`,
    access: accessFromGrants(grants, repos),
    admin: holdsEverywhere(grants, "admin"),
    mayPause: holdsEverywhere(grants, "operator"),
    granted: true,
    credentialExpiresAt: t.expiresAt,
    scopes: new Set(ROLE_SCOPES[SCOPE_ROLE[top]]),
  };
}

/**
 * The caller a provider's access token stands for. Such a token is a bearer credential as an API
 * token is (sent to every API of its audience, where it can leak): what it issues ends no later
 * than it does (`expiresAt`; now when the provider does not say), so a leaked one cannot mint a
 * Sluice token that outlives its expiry, its revocation at the provider and the user's demotion.
 */
function ssoCaller(provider: SsoProvider, claims: Record<string, unknown>, repos: readonly string[], expiresAt: Date): ApiCaller {
  const who = identityFromClaims(provider, claims);
  const scopes = new Set<TokenScope>();
  for (const g of who.grants) for (const s of ROLE_SCOPES[g.role]) scopes.add(s);
  return {
    actor: who.actor,
    via: `the API (SSO ${provider.name})`,
    access: accessFromGrants(who.grants, repos),
    admin: holdsEverywhere(who.grants, "admin"),
    mayPause: holdsEverywhere(who.grants, "operator"),
    granted: true,
    credentialExpiresAt: expiresAt.toISOString(),
    scopes,
  };
}

/**
 * The provider a JWT is checked against: the one of its issuer, or, where several providers share
 * an issuer (two applications at one identity provider, with their own roles), the one its
 * audience names; a token naming more than one of them stands for no one in particular. The
 * signature, audience and expiry are checked after, against that provider alone.
 */
function providerOfJwt(sso: ReadonlyMap<string, SsoProvider>, claimed: { iss?: unknown; aud?: unknown }): SsoProvider | string {
  const ofIssuer = [...sso.values()].filter((p) => p.client()?.serverMetadata().issuer === claimed.iss);
  if (ofIssuer.length === 0) return "the token's issuer is not one of this server's SSO providers";
  if (ofIssuer.length === 1) return ofIssuer[0] as SsoProvider;
  const aud = Array.isArray(claimed.aud) ? claimed.aud : [claimed.aud];
  const named = ofIssuer.filter((p) => [p.settings.client_id, ...p.settings.api_audiences].some((a) => aud.includes(a)));
  if (named.length === 1) return named[0] as SsoProvider;
  const names = ofIssuer.map((p) => p.name).join(", ");
  return named.length === 0
    ? `the token's audience is none of the SSO providers of its issuer (${names})`
    : `the token's audience names more than one SSO provider of its issuer (${named.map((p) => p.name).join(", ")}): ask the provider for a token of one`;
}

/** A token's `exp` (seconds) as a date; a token that does not say is taken as ending now. */
const expiryOf = (exp: unknown) => new Date(typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : Date.now());

type AuthStore = ApiTokenStore & { knownRepos(): Promise<string[]> };

/**
 * Who a bearer token is: a token an admin issued (looked up by digest: not revoked, not expired),
 * a provider's JWT access token (RFC 9068 `at+jwt`, checked against the provider's key set:
 * issuer, audience = client_id or `api_audiences`, expiry), or a provider's opaque access token
 * (asked of its userinfo endpoint; with several providers the caller names one in
 * `X-Sluice-Provider`, so a token never goes to a provider it is not from).
 */
export function createApiAuth(deps: { store: AuthStore; sso: ReadonlyMap<string, SsoProvider> }) {
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const keysOf = (p: SsoProvider, client: oidc.Configuration) => {
    let ks = keySets.get(p.name);
    const uri = client.serverMetadata().jwks_uri;
    if (!ks && uri) {
      ks = createRemoteJWKSet(new URL(uri));
      keySets.set(p.name, ks);
    }
    return ks;
  };

  async function fromJwt(token: string, repos: () => Promise<string[]>): Promise<ApiAuth> {
    let claimed: ReturnType<typeof decodeJwt>;
    try {
      claimed = decodeJwt(token);
    } catch {
      return { ok: false, error: "the bearer token is not a well-formed JWT" };
    }
    const chosen = providerOfJwt(deps.sso, claimed);
    if (typeof chosen === "string") return { ok: false, error: chosen };
    const provider = chosen;
    const client = provider.client();
    if (!client) return { ok: false, error: "the token's issuer is not one of this server's SSO providers" };
    const keys = keysOf(provider, client);
    if (!keys) return { ok: false, error: `${provider.name} publishes no key set (jwks_uri)` };
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: client.serverMetadata().issuer,
        audience: [provider.settings.client_id, ...provider.settings.api_audiences],
        // An ID token is no access token: only RFC 9068's type passes.
        typ: "at+jwt",
        // jose checks `exp` only when present: RFC 9068 requires it (and `sub`), and a token
        // without one would stand for its user for ever, past any revocation at the provider.
        requiredClaims: ["exp", "sub"],
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (e) {
      return { ok: false, error: `the access token was refused: ${describeOidcError(e)}` };
    }
    return { ok: true, caller: ssoCaller(provider, payload, await repos(), expiryOf(payload.exp)) };
  }

  async function fromUserinfo(token: string, named: string | undefined, repos: () => Promise<string[]>): Promise<ApiAuth> {
    const providers = [...deps.sso.values()];
    const provider = named ? deps.sso.get(named) : providers.length === 1 ? providers[0] : undefined;
    if (!provider)
      return { ok: false, error: named ? `no SSO provider named ${named}` : "name the token's provider in the X-Sluice-Provider header" };
    const client = provider.client();
    if (!client) return { ok: false, error: `${provider.name} is unavailable (see /readyz)` };
    const issuedHere = await issuedToSluice(provider, client, token);
    if (typeof issuedHere === "string") return { ok: false, error: issuedHere };
    let claims: Record<string, unknown>;
    try {
      claims = await oidc.fetchUserInfo(client, token, oidc.skipSubjectCheck);
    } catch (e) {
      return { ok: false, error: `${provider.name} did not accept the access token: ${describeOidcError(e)}` };
    }
    return { ok: true, caller: ssoCaller(provider, claims, await repos(), expiryOf(issuedHere.exp)) };
  }

  /**
   * Whether the provider issued this opaque token to Sluice (its introspection endpoint names the
   * client or audience), or why not: userinfo answers for a token of any client of the user, so a
   * token another application holds would otherwise act here with the user's roles. Its expiry
   * is the introspection's `exp` (none without introspection: userinfo does not say).
   */
  async function issuedToSluice(provider: SsoProvider, client: oidc.Configuration, token: string): Promise<{ exp?: number } | string> {
    if (!client.serverMetadata().introspection_endpoint) {
      if (provider.settings.api_userinfo_tokens) return {};
      return `${provider.name} has no token introspection endpoint, so Sluice cannot tell whether an opaque access token was issued to it: use a JWT access token or a Sluice API token (or set \`api_userinfo_tokens: true\` for this provider)`;
    }
    let found: oidc.IntrospectionResponse;
    try {
      found = await oidc.tokenIntrospection(client, token);
    } catch (e) {
      return `${provider.name} could not check the access token: ${describeOidcError(e)}`;
    }
    if (found.active !== true) return `${provider.name} says the access token is not active`;
    const ours = [provider.settings.client_id, ...provider.settings.api_audiences];
    const aud = found.aud === undefined ? [] : Array.isArray(found.aud) ? found.aud : [found.aud];
    if (found.client_id === provider.settings.client_id || aud.some((a) => ours.includes(a))) return { exp: found.exp };
    return `the access token was issued to another client of ${provider.name}${found.client_id ? ` (\`${found.client_id}\`)` : ""}, not to Sluice`;
  }

  return async function authenticate(authorization: string | undefined, providerHeader: string | undefined): Promise<ApiAuth> {
    const m = /^Bearer ([\x21-\x7e]{1,8192})$/.exec(authorization ?? "");
    if (!m) return { ok: false, error: "send a bearer token: Authorization: Bearer <token>" };
    const token = m[1] as string;
    // Read once the token holds: a refused token costs no read of every repository.
    const repos = () => deps.store.knownRepos();
    if (token.startsWith(TOKEN_PREFIX)) {
      const record = await deps.store.usableApiToken(tokenDigest(token));
      if (!record) return { ok: false, error: "the token is unknown, revoked or expired" };
      return { ok: true, caller: tokenCaller(record, await repos()) };
    }
    if (token.split(".").length === 3) return fromJwt(token, repos);
    return fromUserinfo(token, providerHeader, repos);
  };
}

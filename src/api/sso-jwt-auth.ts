import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import type * as oidc from "openid-client";
import { describeOidcError } from "../sso/oidc-error.js";
import { CLOCK_TOLERANCE_S, type SsoProvider } from "../sso/sso-provider.js";
import { type ApiAuth, expiryOf, ssoCaller } from "./api-caller.js";

/**
 * Who a provider's JWT access token (RFC 9068 `at+jwt`) stands for, checked against the key set of
 * its provider (fetched once per provider): issuer, audience = client_id or `api_audiences`, expiry.
 */
export function createSsoJwtAuth(sso: ReadonlyMap<string, SsoProvider>) {
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

  return async function fromJwt(token: string, repos: () => Promise<string[]>): Promise<ApiAuth> {
    let claimed: ReturnType<typeof decodeJwt>;
    try {
      claimed = decodeJwt(token);
    } catch {
      return { ok: false, error: "the bearer token is not a well-formed JWT" };
    }
    const chosen = providerOfJwt(sso, claimed);
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

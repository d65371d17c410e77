import { createRemoteJWKSet, jwtVerify } from "jose";
import type * as oidc from "openid-client";
import { CLOCK_TOLERANCE_S, type SsoProvider } from "./sso-provider.js";

const LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

/** The longest a logout token is taken after it was issued (its `iat`). */
const MAX_AGE_S = 300;
/**
 * How long a jti is kept past the last second its token is taken: jose compares whole seconds
 * (a token 330 s old is taken for all of that second), and the store is asked a moment after the
 * check, which forgets jtis past their time first: kept only to that second, a copy posted at the
 * edge of its window found its jti forgotten and ended the user's sessions again.
 */
const KEEP_AFTER_S = 60;

/** Whom a verified logout token signs out: the provider's session (`sid`), its user (`sub`), or both. */
export interface LogoutOrder {
  sub?: string;
  sid?: string;
  /** The token's `jti`: a token is taken once (the store remembers it until `until`). */
  jti: string;
  /** When the token is refused anyway (its `exp`, or 5 minutes after its `iat`, with the clock skew allowed), and a minute more. */
  until: Date;
}

/**
 * Logout tokens (OpenID Connect Back-Channel Logout 1.0, §2.6), each provider's key set fetched
 * once: jose checks the signature against the provider's published keys, the issuer, the audience
 * (client_id), `iat` (present, not in the future, at most 5 minutes old) and `exp` where given;
 * then the claims the spec adds: `jti`, the logout event, a `sub` or `sid`, and no `nonce` (an
 * ID token, which has one, is never taken as a logout token).
 */
export function logoutTokenVerifier() {
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const keysOf = (p: SsoProvider, client: oidc.Configuration) => {
    const uri = client.serverMetadata().jwks_uri;
    if (!uri) return undefined;
    const ks = keySets.get(p.name) ?? createRemoteJWKSet(new URL(uri));
    keySets.set(p.name, ks);
    return ks;
  };

  return async function verify(provider: SsoProvider, client: oidc.Configuration, token: string): Promise<LogoutOrder> {
    const keys = keysOf(provider, client);
    if (!keys) throw new Error(`${provider.name} publishes no key set (jwks_uri)`);
    const { payload } = await jwtVerify(token, keys, {
      issuer: client.serverMetadata().issuer,
      audience: provider.settings.client_id,
      requiredClaims: ["iat", "jti", "events"],
      maxTokenAge: MAX_AGE_S,
      clockTolerance: CLOCK_TOLERANCE_S,
    });
    const events = payload.events as Record<string, unknown> | undefined;
    const event = events && typeof events === "object" ? events[LOGOUT_EVENT] : undefined;
    if (typeof event !== "object" || event === null || Array.isArray(event))
      throw new Error(`its events claim has no ${LOGOUT_EVENT} member`);
    if ("nonce" in payload) throw new Error("it has a nonce (an ID token is no logout token)");
    const sub = typeof payload.sub === "string" && payload.sub ? payload.sub : undefined;
    const sid = typeof payload.sid === "string" && payload.sid ? payload.sid : undefined;
    if (!sub && !sid) throw new Error("it names neither a sub nor a sid");
    if (typeof payload.jti !== "string" || !payload.jti) throw new Error("its jti is not a string");
    const iat = payload.iat as number;
    const lastS = Math.min(iat + MAX_AGE_S, typeof payload.exp === "number" ? payload.exp : Number.POSITIVE_INFINITY) + CLOCK_TOLERANCE_S;
    return { ...(sub ? { sub } : {}), ...(sid ? { sid } : {}), jti: payload.jti, until: new Date((lastS + KEEP_AFTER_S) * 1000) };
  };
}

import type { Principal } from "../console/principal.js";
import { tokenGrant } from "../console/token-rights.js";
import type { ApiTokenRecord, TokenScope } from "../store/api-token-store.js";
import { accessFromGrants, type ConsoleRole, holdsEverywhere, type RoleGrant } from "../sso/role-grants.js";
import type { SsoProvider } from "../sso/sso-provider.js";
import { identityFromClaims } from "../sso/sso-sign-in.js";

/** A caller of the API: a principal, and the scopes its token carries. */
export interface ApiCaller extends Principal {
  scopes: ReadonlySet<TokenScope>;
}

export type ApiAuth = { ok: true; caller: ApiCaller } | { ok: false; error: string };

const ROLE_SCOPES: Record<ConsoleRole, TokenScope[]> = {
  viewer: ["read"],
  operator: ["read", "operate"],
  admin: ["read", "operate", "admin"],
};

/** The caller an issued token stands for: its highest scope as a role, over its repositories. */
export function tokenCaller(t: ApiTokenRecord, repos: readonly string[]): ApiCaller {
  const grant = tokenGrant(t);
  const grants: RoleGrant[] = [grant];
  return {
    actor: `token:${t.id}:${t.name}`,
    via: `the API (token ${t.id} ${t.name})`,
    access: accessFromGrants(grants, repos),
    admin: holdsEverywhere(grants, "admin"),
    mayPause: holdsEverywhere(grants, "operator"),
    granted: true,
    credentialExpiresAt: t.expiresAt,
    scopes: new Set(ROLE_SCOPES[grant.role]),
  };
}

/**
 * The caller a provider's access token stands for. Such a token is a bearer credential as an API
 * token is (sent to every API of its audience, where it can leak): what it issues ends no later
 * than it does (`expiresAt`; now when the provider does not say), so a leaked one cannot mint a
 * Sluice token that outlives its expiry, its revocation at the provider and the user's demotion.
 */
export function ssoCaller(provider: SsoProvider, claims: Record<string, unknown>, repos: readonly string[], expiresAt: Date): ApiCaller {
  const who = identityFromClaims(provider, claims);
  const scopes = new Set<TokenScope>();
  for (const g of who.grants) for (const s of ROLE_SCOPES[g.role]) scopes.add(s);
  return {
    actor: who.actor,
    ...(who.subject ? { sso: { provider: provider.name, issuer: provider.settings.issuer, subject: who.subject } } : {}),
    via: `the API (SSO ${provider.name})`,
    access: accessFromGrants(who.grants, repos),
    admin: holdsEverywhere(who.grants, "admin"),
    mayPause: holdsEverywhere(who.grants, "operator"),
    granted: true,
    credentialExpiresAt: expiresAt.toISOString(),
    scopes,
  };
}

/** A token's `exp` (seconds) as a date; a token that does not say is taken as ending now. */
export const expiryOf = (exp: unknown) => new Date(typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : Date.now());

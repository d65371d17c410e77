import { grantsCover, grantsFromGroups, type RoleGrant } from "../sso/role-grants.js";
import type { SsoProvider } from "../sso/sso-provider.js";
import type { TokenIssuer } from "../store/api-token-store.js";
import type { Store } from "../store/store.js";
import { tokenGrant } from "./token-rights.js";
import { tokensStandingOn } from "./user-tokens.js";

/**
 * Revokes the API tokens that stand on a user (issued by them, or with one of theirs, however far
 * down) and may do more than the user's roles now give: a user taken out of the admin group keeps
 * none of the admin tokens they issued, nor an operator's token where they are now a viewer. A
 * token is judged by its own scopes and repositories (token-rights.ts); one the user's new roles
 * still cover stays. Each revocation is audited. Returns the ids revoked.
 */
export async function revokeTokensBeyondRoles(
  store: Pick<Store, "apiTokens" | "revokeApiToken" | "recordAudit" | "knownRepos">,
  issuer: TokenIssuer,
  grants: readonly RoleGrant[],
  why: string,
  now: number,
): Promise<number[]> {
  const standing = tokensStandingOn(await store.apiTokens(), issuer).filter((t) => !t.revokedAt && Date.parse(t.expiresAt) > now);
  if (standing.length === 0) return [];
  const repos = await store.knownRepos();
  const revoked: number[] = [];
  for (const t of standing) {
    if (grantsCover(grants, tokenGrant(t), repos)) continue;
    if (!(await store.revokeApiToken(t.id, "sluice"))) continue;
    revoked.push(t.id);
    await store.recordAudit({ actor: "sluice", action: "api-token-revoke", detail: `token ${t.id}: ${why}` });
  }
  return revoked;
}

/**
 * What the provider's answer for a user (a sign-in, a session's check) does to the tokens on them:
 * those their groups' roles, as the server config gives them now, no longer cover are revoked,
 * audited and logged.
 */
export async function revokeTokensOfDemotedUser(
  deps: {
    store: Pick<Store, "apiTokens" | "revokeApiToken" | "recordAudit" | "knownRepos">;
    provider: Pick<SsoProvider, "name" | "settings">;
    now: () => number;
    log: { warn(obj: object, msg: string): void };
  },
  issuer: TokenIssuer,
  groups: readonly string[],
): Promise<void> {
  const { provider } = deps;
  const grants = grantsFromGroups(provider.settings.roles, groups);
  const why = `${issuer.actor}'s roles no longer cover it (their groups at ${provider.name} now: ${groups.join(", ") || "none"})`;
  const revoked = await revokeTokensBeyondRoles(deps.store, issuer, grants, why, deps.now());
  if (revoked.length > 0)
    deps.log.warn(
      { user: issuer.actor, provider: provider.name, tokens: revoked },
      "API tokens revoked: their issuer's roles no longer cover them",
    );
}

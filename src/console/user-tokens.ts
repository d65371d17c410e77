import type { ApiTokenRecord, TokenIssuer } from "../store/api-token-store.js";

/**
 * Whether `issuer` issued `t`: by the SSO user the token recorded where it recorded one, by their
 * provider's issuer and `sub` (a name may be another account's too, or have changed since; a
 * provider's name may since be another issuer's), else by the name it was issued under.
 */
export function issuedBy(t: ApiTokenRecord, issuer: TokenIssuer): boolean {
  if (t.createdBySso)
    return issuer.sso !== undefined && t.createdBySso.issuer === issuer.sso.issuer && t.createdBySso.subject === issuer.sso.subject;
  return t.createdBy === issuer.actor;
}

/**
 * The tokens that stand on a user: those they issued, and those issued with one of these
 * (`token:<id>:<name>`), however far down, revoked ones included (revoking a token leaves what it
 * issued, so a chain through a revoked token still stands on the user).
 */
export function tokensStandingOn(all: readonly ApiTokenRecord[], issuer: TokenIssuer): ApiTokenRecord[] {
  const found = all.filter((t) => issuedBy(t, issuer));
  const ids = new Set(found.map((t) => t.id));
  for (let i = 0; i < found.length; i++) {
    const prefix = `token:${(found[i] as ApiTokenRecord).id}:`;
    for (const t of all) {
      if (ids.has(t.id) || !t.createdBy.startsWith(prefix)) continue;
      ids.add(t.id);
      found.push(t);
    }
  }
  return found;
}

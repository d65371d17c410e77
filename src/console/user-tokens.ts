import type { ApiTokenRecord, TokenIssuer } from "../store/api-token-store.js";

/**
 * Whether `issuer` issued `t`: by the SSO user the token recorded where it recorded one, by their
 * provider's issuer and `sub` (a name may be another account's too, or have changed since; a
 * provider's name may since be another issuer's), else by the name it was issued under.
 */
export function issuedBy(t: ApiTokenRecord, issuer: TokenIssuer): boolean {
  if (t.createdBySso)
    return issuer.sso !== undefined && t.createdBySso.issuer === issuer.sso.issuer && t.createdBySso.subject === issuer.sso.subject;
  // As the store revokes them (revokeApiTokensIssuedBy): by the `sub` recorded, never by a name
  // another account may share.
  if (t.legacySso)
    return issuer.sso !== undefined && t.legacySso.provider === issuer.sso.provider && t.legacySso.subject === issuer.sso.subject;
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

/**
 * The token `t` stands on at the end of its chain (`token:<id>:<name>` issued it, and so on up):
 * `t` itself when a person issued it. A chain through a token no longer listed ends there.
 */
export function rootOf(all: readonly ApiTokenRecord[], t: ApiTokenRecord): ApiTokenRecord {
  const byId = new Map(all.map((x) => [x.id, x]));
  const seen = new Set<number>();
  let at = t;
  for (;;) {
    seen.add(at.id);
    const parent = /^token:(\d+):/.exec(at.createdBy)?.[1];
    const next = parent === undefined ? undefined : byId.get(Number(parent));
    if (!next || seen.has(next.id)) return at;
    at = next;
  }
}

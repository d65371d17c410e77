import type { TokenIssuer } from "../store/api-token-store.js";
import type { Store } from "../store/store.js";
import { issuedBy, tokensStandingOn } from "./user-tokens.js";

/**
 * Revokes the API tokens a user issued once their provider refused them (disabled, the grant
 * revoked): a token stands on the person who issued it, and outlives their session otherwise.
 * The user is who their provider says (`sub`) for tokens that recorded it, their name for older
 * ones. Tokens issued with those tokens go too (`token:<id>:<name>`), however far down, each
 * revocation audited.
 */
export async function revokeTokensOfRefusedUser(
  store: Pick<Store, "revokeApiTokensIssuedBy" | "apiTokens" | "revokeApiToken" | "recordAudit">,
  issuer: TokenIssuer,
  why: string,
): Promise<number[]> {
  const revoked = await store.revokeApiTokensIssuedBy(issuer, "sluice");
  // Down from every token the user issued, revoked ones too: revoking a token leaves what it
  // issued, so a user who saw this coming would issue a second token with the first and revoke
  // the first, and nothing live would stand in their name.
  for (const t of tokensStandingOn(await store.apiTokens(), issuer)) {
    if (issuedBy(t, issuer) || t.revokedAt) continue;
    if (await store.revokeApiToken(t.id, "sluice")) revoked.push(t.id);
  }
  for (const id of revoked) await store.recordAudit({ actor: "sluice", action: "api-token-revoke", detail: `token ${id}: ${why}` });
  return revoked;
}

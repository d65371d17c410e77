import type { Store } from "../store/store.js";

/**
 * Revokes the API tokens a user issued once their provider refused them (disabled, the grant
 * revoked): a token stands on the person who issued it, and outlives their session otherwise.
 * Tokens issued with those tokens go too (`token:<id>:<name>`), however far down, each revocation
 * audited.
 */
export async function revokeTokensOfRefusedUser(
  store: Pick<Store, "revokeApiTokensIssuedBy" | "apiTokens" | "revokeApiToken" | "recordAudit">,
  actor: string,
  why: string,
): Promise<number[]> {
  const revoked = await store.revokeApiTokensIssuedBy(actor, "sluice");
  const all = await store.apiTokens();
  // Down from every token the user issued, revoked ones too: revoking a token leaves what it
  // issued, so a user who saw this coming would issue a second token with the first and revoke
  // the first, and nothing live would stand in their name.
  const issuers = [...new Set([...revoked, ...all.filter((t) => t.createdBy === actor).map((t) => t.id)])];
  for (let i = 0; i < issuers.length; i++) {
    const id = issuers[i] as number;
    for (const t of all) {
      if (!t.createdBy.startsWith(`token:${id}:`) || issuers.includes(t.id)) continue;
      issuers.push(t.id);
      if (!t.revokedAt && (await store.revokeApiToken(t.id, "sluice"))) revoked.push(t.id);
    }
  }
  for (const id of revoked) await store.recordAudit({ actor: "sluice", action: "api-token-revoke", detail: `token ${id}: ${why}` });
  return revoked;
}

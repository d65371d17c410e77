import type { Store } from "../store/store.js";

/**
 * Revokes the API tokens a user issued once their provider refused them (disabled, the grant
 * revoked): a token stands on the person who issued it, and outlives their session otherwise.
 * Tokens issued with those tokens go too (`token:<id>:<name>`), each revocation audited.
 */
export async function revokeTokensOfRefusedUser(
  store: Pick<Store, "revokeApiTokensIssuedBy" | "apiTokens" | "revokeApiToken" | "recordAudit">,
  actor: string,
  why: string,
): Promise<number[]> {
  const revoked = await store.revokeApiTokensIssuedBy(actor, "sluice");
  const all = await store.apiTokens();
  for (let i = 0; i < revoked.length; i++) {
    const id = revoked[i] as number;
    for (const t of all)
      if (!t.revokedAt && t.createdBy.startsWith(`token:${id}:`) && (await store.revokeApiToken(t.id, "sluice"))) revoked.push(t.id);
  }
  for (const id of revoked) await store.recordAudit({ actor: "sluice", action: "api-token-revoke", detail: `token ${id}: ${why}` });
  return revoked;
}

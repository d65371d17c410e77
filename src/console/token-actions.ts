import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { repoGlobListSchema } from "../config/glob-list.js";
import type { ApiTokenRecord } from "../store/api-token-store.js";
import { isRowId } from "../model/row-id.js";
import { TOKEN_SCOPES } from "../store/api-token-store.js";
import type { Store } from "../store/store.js";
import type { Principal } from "./principal.js";

// API tokens an admin issues (console page /tokens, or the API with an admin token): the token is
// shown once; the store keeps its digest; revoking is immediate on every replica.

/** Tokens Sluice issues start so (a JWT or a provider's opaque token never does). */
export const TOKEN_PREFIX = "sluice_";

/** A new token (256 random bits) and what the store keeps of it. */
export function newApiToken(): { token: string; digest: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, digest: tokenDigest(token) };
}

export const tokenDigest = (token: string) => createHash("sha256").update(token).digest("hex");

export const issueTokenSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "letters, digits, . _ - (at most 64)"),
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1),
  /** Repository globs (`!` ones exclude); none: every repository. */
  repos: repoGlobListSchema.default([]),
  expires_in_days: z.number().int().min(1),
});

export type IssueToken = z.output<typeof issueTokenSchema>;

type IssueOutcome = { ok: true; token: string; record: ApiTokenRecord } | { ok: false; status: number; error: string };

/** Issues a token (admins only), audited; the caller sees the token this once. */
export async function issueToken(
  store: Pick<Store, "addApiToken" | "recordAudit">,
  by: Principal,
  req: IssueToken,
  maxDays: number,
  now = new Date(),
): Promise<IssueOutcome> {
  if (!by.admin) return { ok: false, status: 403, error: "only admins issue API tokens" };
  if (req.expires_in_days > maxDays)
    return { ok: false, status: 400, error: `expires_in_days: at most ${maxDays} (server config api.max_token_days)` };
  const expiresAt = new Date(now.getTime() + req.expires_in_days * 86_400_000);
  if (by.credentialExpiresAt && expiresAt > new Date(by.credentialExpiresAt))
    return {
      ok: false,
      status: 400,
      error: `expires_in_days: a token issued with a bearer token (an API token, or a provider's access token) expires no later than that token (${by.credentialExpiresAt})`,
    };
  const { token, digest } = newApiToken();
  const record = await store.addApiToken({
    name: req.name,
    scopes: req.scopes,
    repos: req.repos,
    createdBy: by.actor,
    ...(by.sso ? { createdBySso: by.sso } : {}),
    expiresAt: expiresAt.toISOString(),
    digest,
  });
  await store.recordAudit({
    actor: by.actor,
    action: "api-token-issue",
    detail: `token ${record.id} ${record.name}: scopes ${record.scopes.join(",")}; repos ${record.repos.join(",") || "all"}; expires ${record.expiresAt} (from ${by.via})`,
  });
  return { ok: true, token, record };
}

export async function revokeToken(
  store: Store,
  by: Principal,
  id: number,
): Promise<{ ok: true } | { ok: false; status: number; error: string }> {
  if (!by.admin) return { ok: false, status: 403, error: "only admins revoke API tokens" };
  if (!isRowId(id) || !(await store.revokeApiToken(id, by.actor)))
    return { ok: false, status: 404, error: "no such token, or it is revoked already" };
  await store.recordAudit({ actor: by.actor, action: "api-token-revoke", detail: `token ${id} (from ${by.via})` });
  return { ok: true };
}

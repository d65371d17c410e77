import { z } from "zod";
import { issueToken, issueTokenSchema, revokeToken } from "../console/token-actions.js";
import { type ApiRoute, route } from "./api-route.js";

// Tokens an admin issues (console page /tokens, or these routes with an admin token): the token is
// shown once; the store keeps its digest; revoking is immediate on every replica.

const tokenView = z.object({
  id: z.number(),
  name: z.string(),
  scopes: z.array(z.string()),
  repos: z.array(z.string()),
  createdBy: z.string(),
  /** The SSO user who issued it, as their provider (its issuer) knows them (`sub`): their tokens are revoked by it. */
  createdBySso: z.object({ provider: z.string(), issuer: z.string(), subject: z.string() }).optional(),
  /** Issued by an SSO user before Sluice recorded their provider's issuer (store migration 20): refused. */
  issuerUnknown: z.literal(true).optional(),
  /** Issued between store migrations 18 and 20: the provider's name and `sub` it recorded, no issuer. */
  legacySso: z.object({ provider: z.string(), subject: z.string() }).optional(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().optional(),
  revokedBy: z.string().optional(),
  lastUsedAt: z.string().optional(),
});

export const tokenRoutes: ApiRoute[] = [
  route({
    method: "GET",
    path: "/api/v1/tokens",
    summary: "API tokens issued (never the tokens themselves)",
    scope: "admin",
    response: z.array(tokenView),
    run: async (deps, c) =>
      c.admin ? { status: 200, body: await deps.store.apiTokens() } : { status: 403, body: { error: "only admins list API tokens" } },
  }),
  route({
    method: "POST",
    path: "/api/v1/tokens",
    summary: "Issues a token with scopes, repositories and an expiry; the answer holds the token, shown this once",
    scope: "admin",
    body: issueTokenSchema,
    response: z.object({ token: z.string(), record: tokenView }),
    okStatus: 201,
    run: async (deps, c, { body }) => {
      const r = await issueToken(deps.store, c, body, deps.maxTokenDays);
      return r.ok ? { status: 201, body: { token: r.token, record: r.record } } : { status: r.status, body: { error: r.error } };
    },
  }),
  route({
    method: "DELETE",
    path: "/api/v1/tokens/{id}",
    summary: "Revokes a token",
    scope: "admin",
    params: z.object({ id: z.coerce.number().int().positive() }),
    response: z.object({ revoked: z.number() }),
    run: async (deps, c, { params }) => {
      const r = await revokeToken(deps.store, c, params.id);
      return r.ok ? { status: 200, body: { revoked: params.id } } : { status: r.status, body: { error: r.error } };
    },
  }),
];

import type { SsoUser } from "../model/sso-session.js";

/** The scopes of an issued API token: read (what a viewer sees), operate (an operator's acts), admin. */
export const TOKEN_SCOPES = ["read", "operate", "admin"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** An API token as the store keeps it: never the token itself, only its digest. */
export interface ApiTokenRecord {
  id: number;
  name: string;
  scopes: TokenScope[];
  /** Repository globs (owner/name) it may act on; empty: every repository. */
  repos: string[];
  createdBy: string;
  /**
   * The SSO user who issued it, as their provider knows them (absent: issued by a GitHub admin, a
   * token, or before Sluice recorded it): what their tokens are revoked by, whatever their name.
   */
  createdBySso?: SsoUser;
  /**
   * Issued by an SSO user (`sso:…`) before Sluice recorded their provider's issuer (store
   * migration 20): refused by the API, since a provider's name may have been renamed or pointed at
   * another issuer since, and its `sub` then names someone else.
   */
  issuerUnknown?: true;
  /**
   * Issued by an SSO user between store migrations 18 and 20: the provider's name and `sub` it
   * recorded, without the issuer (what its user's tokens are told apart by, not their name).
   */
  legacySso?: { provider: string; subject: string };
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  revokedBy?: string;
  lastUsedAt?: string;
}

export type NewApiToken = Pick<ApiTokenRecord, "name" | "scopes" | "repos" | "createdBy" | "createdBySso" | "expiresAt"> & {
  digest: string;
};

/**
 * Who issued tokens: their actor name, and for an SSO user who they are at their provider. Tokens
 * that recorded an SSO user's issuer are theirs by issuer and `sub` alone; older ones by the
 * provider's name and `sub` they recorded, or by the name they were issued under.
 */
export interface TokenIssuer {
  actor: string;
  sso?: SsoUser;
}

export interface ApiTokenStore {
  addApiToken(token: NewApiToken): Promise<ApiTokenRecord>;
  /** The token of this digest if it is neither revoked nor expired (its last use is recorded). */
  usableApiToken(digest: string): Promise<ApiTokenRecord | undefined>;
  /** Every token issued, newest first, revoked and expired ones included. */
  apiTokens(): Promise<ApiTokenRecord[]>;
  /** Revokes a token; false when there is no such token or it was revoked already. */
  revokeApiToken(id: number, by: string): Promise<boolean>;
  /** Revokes every live token `issuer` issued (see TokenIssuer); returns their ids. */
  revokeApiTokensIssuedBy(issuer: TokenIssuer, by: string): Promise<number[]>;
}

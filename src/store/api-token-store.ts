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
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  revokedBy?: string;
  lastUsedAt?: string;
}

export type NewApiToken = Pick<ApiTokenRecord, "name" | "scopes" | "repos" | "createdBy" | "expiresAt"> & { digest: string };

export interface ApiTokenStore {
  addApiToken(token: NewApiToken): Promise<ApiTokenRecord>;
  /** The token of this digest if it is neither revoked nor expired (its last use is recorded). */
  usableApiToken(digest: string): Promise<ApiTokenRecord | undefined>;
  /** Every token issued, newest first, revoked and expired ones included. */
  apiTokens(): Promise<ApiTokenRecord[]>;
  /** Revokes a token; false when there is no such token or it was revoked already. */
  revokeApiToken(id: number, by: string): Promise<boolean>;
  /** Revokes every live token `createdBy` issued; returns their ids. */
  revokeApiTokensIssuedBy(createdBy: string, by: string): Promise<number[]>;
}

/**
 * What the store keeps of a console session an OpenID provider signed in, beside its login: who
 * the provider said the user is, the groups it last named, and when it last said so. The groups
 * live here, not in the cookie, so that the provider's later answer (a group taken away) holds for
 * every copy of the cookie, on every replica.
 */
export interface SsoSessionFacts {
  /** The provider's name in the server config. */
  provider: string;
  /** The ID token's `sub`: what a refreshed ID token and a back-channel logout name the user by. */
  subject: string;
  /** The ID token's `sid` (the provider's session), when it gave one: what a back-channel logout names. */
  sid?: string;
  /** The user's groups that a role named, as the provider last named them. */
  groups: string[];
  /** ISO time (the console's clock) of the provider's last answer for this user. */
  checkedAt: string;
  /**
   * The refresh token (else the access token) the provider gave, sealed (AES-256-GCM) with a key
   * derived from the server's session secret and the session id, which only the cookie holds: the
   * database alone opens none. Absent: the provider gave neither.
   */
  sealedTokens?: string;
  /**
   * ISO time (the console's clock) Sluice last revoked at the provider the token of another session
   * of this user's: a provider may revoke this session's grant with it, so a refusal soon after is
   * not the provider's word on the user.
   */
  otherRevokedAt?: string;
}

/** A session as the store keeps it and the console reads it on every request. */
export interface OpenConsoleSession {
  login: string;
  expiresAt: string;
  sso?: SsoSessionFacts;
}

/** The tokens an SSO session keeps to ask the provider about its user again. */
export interface SsoSessionTokens {
  refreshToken?: string;
  /** Where no refresh token was given: userinfo is asked with this until it expires. */
  accessToken?: string;
  /** ISO time the access token expires (its `expires_in`), when the provider said. */
  accessExpiresAt?: string;
}

/**
 * A user as their OpenID provider knows them: the provider's name in the server config, its
 * issuer, and the user's `sub`, which OpenID Connect promises is unique within that issuer and
 * never reassigned. Their name (`username_claim`) may change, or be another account's too; this
 * does neither. The provider's name is the operator's to change or to point at another issuer:
 * what stands on the user (their API tokens) is matched by issuer and `sub`, never by the name.
 */
export interface SsoUser {
  provider: string;
  /** The provider's `issuer` as the server config names it. */
  issuer: string;
  subject: string;
}

/** A user's session at their provider, as a new sign-in names it (`sid`: where its ID token named one). */
export type SsoSessionOf = Pick<SsoSessionFacts, "provider" | "subject" | "sid">;

import type { Permission } from "../model/pull-request.js";
import type { SsoUser } from "../model/sso-session.js";

/**
 * Who acts in the console or through the API, whichever way they signed in: what the audit trail
 * calls them, what they may read and change. Pages and API routes decide with this alone.
 */
export interface Principal {
  /** A GitHub login, `sso:<provider>:<user>` or `token:<id>:<name>`: never one for another. */
  actor: string;
  /** GitHub sign-in: the account id (what the jobs they queue compare with server settings naming people). */
  actorId?: number;
  /**
   * An SSO user (the console, or a provider's access token on the API): who their provider says
   * they are, recorded with each API token they issue (their name may change, or be shared).
   */
  sso?: SsoUser;
  /** How they got in, for the audit trail: "the console (GitHub sign-in)", "the API (token 3 ci)"… */
  via: string;
  /** Repositories they may read (lower-case owner/name), with what they may do there. */
  access: Map<string, Permission>;
  /** Server-wide admin: the audit stream's deliveries, API tokens. */
  admin: boolean;
  /** May pause and resume every apply of the server. */
  mayPause: boolean;
  /**
   * Signed in without GitHub (SSO, an API token): the jobs they queue carry the permission the
   * console gave, since GitHub knows nothing of them.
   */
  granted: boolean;
  /**
   * When the credential they act with ends by itself, where nothing but that credential stands
   * behind it (an API token Sluice issued, a provider's access token on the API): what it issues ends no later, so a token cannot
   * outlive itself through the tokens it issues.
   */
  credentialExpiresAt?: string;
}

export const readable = (p: Pick<Principal, "access">, repo: string) => {
  const perm = p.access.get(repo.toLowerCase());
  return perm !== undefined && perm !== "none";
};

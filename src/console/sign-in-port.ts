import type { Permission } from "../model/pull-request.js";

/** A repository the signed-in user can see, with their role in it (GitHub's answer). */
export interface RepoAccess {
  /** owner/name */
  fullName: string;
  permission: Permission;
}

/**
 * What GitHub lists for the user; `refused` names each account whose repositories GitHub refused
 * to list (an organization enforcing SAML single sign-on the user has not signed in to, say): those
 * repositories are not the user's to see here, and the console says so rather than fail every page.
 */
export interface RepoListing {
  repos: RepoAccess[];
  refused: string[];
}

/**
 * GitHub sign-in as the console needs it: the OAuth web flow of the App's own client, and what
 * the user may see, asked with the user's token. Implemented in src/vcs/github/ (the Octokit user).
 */
export interface SignInPort {
  /** Where to send the browser to sign in; GitHub returns to `redirectUrl` with `code` and `state`. */
  authorizeUrl(state: string, redirectUrl: string): string;
  /** Exchanges the code for a user token; the login and account id come from `GET /user` with that token. */
  signIn(code: string, state: string, redirectUrl: string): Promise<{ login: string; id: number; token: string; expiresAt?: string }>;
  /** The id of the account that has `login` now (`GET /users/{username}`, asked with the user's token); undefined: none. */
  userId(token: string, login: string): Promise<number | undefined>;
  /** Repositories of this App's installations that the user can access, with their permission. */
  repos(token: string): Promise<RepoListing>;
}

/** Thrown for a user token GitHub no longer accepts (revoked, expired): the user signs in again. */
export class SignInExpired extends Error {
  override name = "SignInExpired";
}

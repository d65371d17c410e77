import type { Permission } from "../model/pull-request.js";
import type { SignInPort } from "./sign-in-port.js";

/** The user's permission in each repository GitHub listed; the accounts GitHub refused to list. */
export interface ReadableRepos {
  access: Map<string, Permission>;
  refused: string[];
}

/**
 * What a user may see, as GitHub says, cached briefly per user: a permission removed on GitHub
 * stops counting here within `ttlMs`. Keys are lower-case owner/name.
 */
export function createRepoAccess(signIn: SignInPort, ttlMs = 60_000) {
  const cache = new Map<string, { at: number; token: string; repos: Promise<ReadableRepos> }>();
  return {
    of(login: string, token: string): Promise<ReadableRepos> {
      const hit = cache.get(login);
      if (hit && hit.token === token && Date.now() - hit.at < ttlMs) return hit.repos;
      const repos = signIn.repos(token).then((listed) => ({
        access: new Map(listed.repos.map((r) => [r.fullName.toLowerCase(), r.permission])),
        refused: listed.refused,
      }));
      cache.set(login, { at: Date.now(), token, repos });
      // A failed answer is not cached, nor one with an account refused: the page asks the user to
      // sign in to it on GitHub and reload, which must ask GitHub again.
      repos.then(
        (r) => {
          if (r.refused.length && cache.get(login)?.repos === repos) cache.delete(login);
        },
        () => cache.delete(login),
      );
      return repos;
    },
    forget(login: string): void {
      cache.delete(login);
    },
  };
}

export type RepoAccessCache = ReturnType<typeof createRepoAccess>;

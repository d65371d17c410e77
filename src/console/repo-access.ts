import type { Permission } from "../model/pull-request.js";
import type { SignInPort } from "./sign-in-port.js";

/**
 * What a user may see, as GitHub says, cached briefly per user: a permission removed on GitHub
 * stops counting here within `ttlMs`. Keys are lower-case owner/name.
 */
export function createRepoAccess(signIn: SignInPort, ttlMs = 60_000) {
  const cache = new Map<string, { at: number; token: string; repos: Promise<Map<string, Permission>> }>();
  return {
    of(login: string, token: string): Promise<Map<string, Permission>> {
      const hit = cache.get(login);
      if (hit && hit.token === token && Date.now() - hit.at < ttlMs) return hit.repos;
      const repos = signIn.repos(token).then((list) => new Map(list.map((r) => [r.fullName.toLowerCase(), r.permission])));
      cache.set(login, { at: Date.now(), token, repos });
      // A failed answer is not cached.
      repos.catch(() => cache.delete(login));
      return repos;
    },
    forget(login: string): void {
      cache.delete(login);
    },
  };
}

export type RepoAccessCache = ReturnType<typeof createRepoAccess>;

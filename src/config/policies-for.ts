import { globsCover } from "./glob-list.js";
import type { ServerConfig } from "./server-config.js";

/**
 * The server's policy checks where they apply to this repository: `policies.repos` (globs over
 * owner/name) or, when it is empty, every repository; `policy_check` (per repository through
 * `repos:` entries, as Atlantis' own key) turns them on or off over that.
 */
export function policiesFor(server: Pick<ServerConfig, "policies" | "policy_check">, repoFullName: string): ServerConfig["policies"] {
  const policies = server.policies;
  if (!policies || server.policy_check === false) return undefined;
  // Said for this repository (a `repos:` entry, or the top level): `policies.repos` no longer decides.
  if (server.policy_check === true) return policies;
  if (policies.repos.length === 0) return policies;
  return globsCover(policies.repos, repoFullName) ? policies : undefined;
}

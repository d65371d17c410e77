import picomatch from "picomatch";
import type { ServerConfig } from "./server-config.js";

/**
 * The server's policy checks where they apply to this repository: `policies.repos` (globs over
 * owner/name, Atlantis' per-repo `policy_check`) or, when it is empty, every repository.
 */
export function policiesFor(server: Pick<ServerConfig, "policies">, repoFullName: string): ServerConfig["policies"] {
  const policies = server.policies;
  if (!policies) return undefined;
  if (policies.repos.length === 0) return policies;
  return policies.repos.some((glob) => picomatch(glob, { nocase: true })(repoFullName)) ? policies : undefined;
}

import { atlantisSettingsFor } from "./atlantis-settings-for.js";
import { REPO_LEVEL_KEYS, type RepoLevelKey, ruleMatches } from "./repo-entries.js";
import type { ServerConfig } from "./server-config.js";

/** The server config as it applies to one repository, and where each repository-level value came from. */
export interface ResolvedServerConfig {
  config: ServerConfig;
  /** The repository is one the server acts on (the `repos:` allowlist). */
  allowed: boolean;
  /** Per key: `default`, the file that set it, or the `repos:` entry that decided it. */
  sources: Record<RepoLevelKey, string>;
}

/** The allowlist: every plain glob and `{id}` entry of `repos:`; none at all = every installed repository. */
export function repoAllowed(config: Pick<ServerConfig, "repoRules">, fullName: string): boolean {
  const list = config.repoRules.filter((r) => r.allows);
  return list.length === 0 || list.some((r) => ruleMatches(r, fullName));
}

/**
 * The effective server config for one repository: for each repository-level key, the last
 * `repos:` entry that matches the repository and sets the key, else the top-level value. Pure:
 * the job's dependencies carry its result, so every setting a job reads is its repository's.
 */
export function serverConfigFor(config: ServerConfig, fullName: string): ResolvedServerConfig {
  const sources = {} as Record<RepoLevelKey, string>;
  const resolved: Record<string, unknown> = { ...config };
  for (const key of REPO_LEVEL_KEYS) sources[key] = config.keySources[key] ? `server config ${config.keySources[key]}` : "default";
  for (const rule of config.repoRules) {
    if (!ruleMatches(rule, fullName)) continue;
    for (const [key, value] of Object.entries(rule.settings) as [RepoLevelKey, unknown][]) {
      if (value === undefined) continue;
      resolved[key] = value;
      sources[key] = `${rule.origin} (id: ${rule.id})`;
    }
  }
  if (config.atlantis) {
    const taken = sluiceSetKeys(config);
    const fromAtlantis = atlantisSettingsFor(config.atlantis, fullName, Object.keys(config.serverWorkflows), taken);
    for (const [key, value] of Object.entries(fromAtlantis.values) as [RepoLevelKey, unknown][]) {
      resolved[key] = value === null ? undefined : value;
      sources[key] = fromAtlantis.sources[key] ?? sources[key];
    }
  }
  return { config: resolved as ServerConfig, allowed: repoAllowed(config, fullName), sources };
}

/** Repository-level keys the Sluice file sets, at the top level or in a `repos:` entry. */
export function sluiceSetKeys(config: Pick<ServerConfig, "keySources" | "repoRules">): Set<string> {
  const keys = new Set<string>((REPO_LEVEL_KEYS as readonly string[]).filter((k) => config.keySources[k] !== undefined));
  for (const rule of config.repoRules) for (const key of Object.keys(rule.settings)) keys.add(key);
  return keys;
}

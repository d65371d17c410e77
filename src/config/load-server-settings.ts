import { readFileSync } from "node:fs";
import { SLUICE_KEY_OF } from "./atlantis-settings-for.js";
import type { AtlantisRepoEntry } from "./atlantis-repos-schema.js";
import { type AtlantisRepos, readAtlantisRepos } from "./read-atlantis-repos.js";
import { sluiceSetKeys } from "./server-config-for.js";
import { ConfigError, loadServerConfig, type ServerConfig } from "./server-config.js";

/** Where the server's settings come from: Sluice's own file, and Atlantis' repos.yaml. */
export interface ServerConfigFiles {
  /** SLUICE_SERVER_CONFIG */
  sluice?: string;
  /** ATLANTIS_REPO_CONFIG (Atlantis' variable for `--repo-config`) */
  atlantis?: string;
  /** ATLANTIS_ENABLE_POLICY_CHECKS: whether repos.yaml's `policies` are active, as in Atlantis. */
  atlantisPolicyChecks: boolean;
  /** The GitHub host Atlantis ids name (`HOST/owner/name`): GHE_HOST, else github.com. */
  host: string;
}

export function serverConfigFiles(env: NodeJS.ProcessEnv, sluicePath = env.SLUICE_SERVER_CONFIG): ServerConfigFiles {
  return {
    sluice: sluicePath || undefined,
    atlantis: env.ATLANTIS_REPO_CONFIG || undefined,
    // Go's strconv.ParseBool, which Atlantis' flags use.
    atlantisPolicyChecks: ["1", "t", "T", "true", "TRUE", "True"].includes(env.ATLANTIS_ENABLE_POLICY_CHECKS ?? ""),
    host: (env.GHE_HOST || "github.com").replace(/\/+$/, ""),
  };
}

/** The server config from both files; a bad file, or a key both set, is a ConfigError (exit code 2). */
export function loadServerSettings(files: ServerConfigFiles): ServerConfig {
  const config = loadServerConfig(files.sluice);
  if (!files.atlantis) return config;
  let text: string;
  try {
    text = readFileSync(files.atlantis, "utf8");
  } catch (e) {
    throw new ConfigError(`ATLANTIS_REPO_CONFIG: cannot read ${files.atlantis}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const atlantis = readAtlantisRepos(text, { source: files.atlantis, host: files.host, policyChecks: files.atlantisPolicyChecks });
  return withAtlantis(config, atlantis, files.sluice ?? "server config");
}

/** Sluice's config with Atlantis' repos.yaml beside it (pure). A setting may come from one file only. */
export function withAtlantis(config: ServerConfig, atlantis: AtlantisRepos, sluiceSource: string): ServerConfig {
  const both = (key: string) =>
    `\`${key}\` is set in both ${sluiceSource} and ${atlantis.source}: set it in one of them (the server cannot tell which you meant)`;
  const taken = sluiceSetKeys(config);
  const conflicts = new Set<string>();
  for (const e of atlantis.entries) {
    for (const key of Object.keys(e.raw) as (keyof AtlantisRepoEntry)[]) {
      const sluiceKey = SLUICE_KEY_OF[key];
      if (sluiceKey && taken.has(sluiceKey)) conflicts.add(both(sluiceKey));
    }
  }
  for (const name of Object.keys(atlantis.workflows)) {
    if (Object.hasOwn(config.serverWorkflows, name)) conflicts.add(both(`workflows.${name}`));
  }
  if (atlantis.policies && config.policies) conflicts.add(both("policies"));
  if (conflicts.size) throw new ConfigError([...conflicts].join("\n"));
  const policies = config.policies ?? atlantis.policies;
  return {
    ...config,
    serverWorkflows: { ...config.serverWorkflows, ...atlantis.workflows },
    policies,
    keySources: {
      ...config.keySources,
      ...(Object.keys(atlantis.workflows).length ? { workflows: atlantis.source } : {}),
      ...(atlantis.policies ? { policies: atlantis.source } : {}),
    },
    atlantis,
    unsupported: [...config.unsupported, ...atlantis.unsupported],
  };
}

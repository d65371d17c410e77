#!/usr/bin/env node
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { declaredAddresses } from "../../runners/terraform/declared-addresses.js";
import { pathToFileURL } from "node:url";
import { changeControlOf } from "../authorization/change-control-of.js";
import { explainSettings, formatExplanation } from "../config/explain-settings.js";
import { formatChangeControl } from "./format-change-control.js";
import { ATLANTIS_FILE, loadRepoConfig } from "../config/repo/load-repo-config.js";
import { serverConfigFor } from "../config/server-config-for.js";
import type { RepoConfig } from "../model/repo-config.js";
import { loadServerSettings, serverConfigFiles } from "../config/load-server-settings.js";
import { ConfigError } from "../config/server-config.js";

const USAGE = `usage: sluice config explain OWNER/REPO [--repo-config FILE] [--json]

Prints every repository-level server setting of OWNER/REPO as this server resolves it (the
top level, then the repos: entries that match), with where each value came from, and the apply
windows, freezes and permissions that can hold its projects, with what each says now.
With --repo-config, FILE is the repository's own config as its base branch has it (.sluice.yaml
or atlantis.yaml): the values it changes, and those it sets in vain, are shown too; the .tf files
beside it (a checkout) are read for \`protect\` patterns that match nothing, shown as warnings.
Reads the same configuration as the server: SLUICE_SERVER_CONFIG, ATLANTIS_REPO_CONFIG and
ATLANTIS_ENABLE_POLICY_CHECKS (and a .env file here).`;

const SKIP = new Set([".git", ".terraform", "node_modules"]);
const MAX_FILES = 5000;

/**
 * The resource and module addresses the `.tf` files under `root` declare (a checkout), or
 * undefined past MAX_FILES of them: the addresses of some files only would warn of patterns that
 * match what the files left out declare.
 */
function declaredIn(root: string): string[] | undefined {
  const files = readdirSync(root, { recursive: true, encoding: "utf8" }).filter(
    (f) => f.endsWith(".tf") && !f.split(/[\\/]/).some((part) => SKIP.has(part)),
  );
  if (files.length > MAX_FILES) return undefined;
  return files.flatMap((f) => {
    try {
      return declaredAddresses(readFileSync(join(root, f), "utf8"));
    } catch {
      return [];
    }
  });
}

/** `sluice …` on an operator's shell. Exit codes: 0 done, 2 bad usage or bad configuration. */
export function runCli(argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): number {
  const [group, verb, repo, ...rest] = argv;
  const json = rest.includes("--json");
  const at = rest.indexOf("--repo-config");
  const repoFile = at >= 0 ? rest[at + 1] : undefined;
  const known = rest.every((a, i) => a === "--json" || a === "--repo-config" || (i === at + 1 && at >= 0));
  if (group !== "config" || verb !== "explain" || !repo || !/^[^/\s]+\/[^/\s]+$/.test(repo) || !known || (at >= 0 && !repoFile)) {
    err(USAGE);
    return 2;
  }
  try {
    const config = loadServerSettings(serverConfigFiles(env));
    let repoConfig: RepoConfig | undefined;
    if (repoFile) {
      const text = readFileSync(repoFile, "utf8");
      const sluiceFile = serverConfigFor(config, repo).config.repo_config_file;
      const loaded = loadRepoConfig(basename(repoFile) === ATLANTIS_FILE ? { atlantis: text } : { sluice: text }, { sluiceFile });
      if (!loaded.ok) {
        err(`sluice: ${repoFile} is invalid:\n${loaded.errors.join("\n")}`);
        return 2;
      }
      repoConfig = loaded.config;
    }
    // The repository's files beside its config: its `protect` patterns are checked against them.
    const declared = repoFile ? declaredIn(dirname(repoFile)) : undefined;
    if (repoFile && !declared)
      err(`note: more than ${MAX_FILES} .tf files beside ${repoFile}: protect patterns are not checked against them`);
    const explanation = explainSettings(config, repo, repoConfig, declared);
    const changeControl = changeControlOf(config, repo, new Date());
    out(
      json
        ? JSON.stringify({ ...explanation, changeControl }, null, 2)
        : `${formatExplanation(explanation)}\n${formatChangeControl(changeControl)}`,
    );
    return 0;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) {
      err(`sluice: cannot read ${repoFile}: ${code}`);
      return 2;
    }
    if (!(e instanceof ConfigError)) throw e;
    err(`sluice: ${e.message}`);
    return 2;
  }
}

// Run as a program (npm run sluice, the `sluice` bin, node dist/src/cli/sluice.js), not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  try {
    process.loadEnvFile(".env");
  } catch {
    // No .env: the environment alone.
  }
  process.exitCode = runCli(
    process.argv.slice(2),
    process.env,
    (s) => console.log(s),
    (s) => console.error(s),
  );
}

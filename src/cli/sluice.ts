#!/usr/bin/env node
import { explainSettings, formatExplanation } from "../config/explain-settings.js";
import { loadServerSettings, serverConfigFiles } from "../config/load-server-settings.js";
import { ConfigError } from "../config/server-config.js";

const USAGE = `usage: sluice config explain OWNER/REPO [--json]

Prints every repository-level server setting of OWNER/REPO as this server resolves it (the
top level, then the repos: entries that match), with where each value came from.
Reads the same configuration as the server: SLUICE_SERVER_CONFIG, ATLANTIS_REPO_CONFIG and
ATLANTIS_ENABLE_POLICY_CHECKS (and a .env file here).`;

/** `sluice …` on an operator's shell. Exit codes: 0 done, 2 bad usage or bad configuration. */
export function runCli(argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): number {
  const [group, verb, repo, ...rest] = argv;
  if (group !== "config" || verb !== "explain" || !repo || !/^[^/\s]+\/[^/\s]+$/.test(repo) || rest.some((a) => a !== "--json")) {
    err(USAGE);
    return 2;
  }
  try {
    const config = loadServerSettings(serverConfigFiles(env));
    const explanation = explainSettings(config, repo);
    out(rest.includes("--json") ? JSON.stringify(explanation, null, 2) : formatExplanation(explanation));
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`sluice: ${e.message}`);
    return 2;
  }
}

// Run as a program (npm run sluice, the `sluice` bin, node dist/src/cli/sluice.js), not when imported.
if (process.argv[1] && import.meta.url === new URL(`file://${(await import("node:fs")).realpathSync(process.argv[1])}`).href) {
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

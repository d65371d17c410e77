/**
 * The environment a child process gets. Nothing is inherited by default: a PR's code runs inside
 * terraform (external data sources, local-exec), so the app's own secrets must never reach it.
 */

/** Inherited from the app's environment when set: what tools need to find binaries, certs, proxies. */
const INHERITED = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "TMPDIR",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
] as const;

/**
 * Never passed, even when a caller asks: the app's credentials. Names, because values can be
 * anything; values are redacted separately.
 */
const FORBIDDEN = new Set([
  "WEBHOOK_SECRET",
  "PRIVATE_KEY",
  "PRIVATE_KEY_PATH",
  "APP_ID",
  "GITHUB_CLIENT_SECRET",
  "GITHUB_CLIENT_ID",
  "DATABASE_URL",
  "SLUICE_SERVER_CONFIG",
  "GITHUB_TOKEN",
  "GH_TOKEN",
]);

/**
 * Variables Sluice sets for every Terraform run from the project's trusted identity and its own
 * dirs (where terraform keeps its data and backend, the project's workspace, the provider cache and
 * its integrity rule, the CLI config): a workflow's `env` step setting one would plan and apply
 * elsewhere than the project's locks, state checks and read-back look. (TF_IN_AUTOMATION and
 * TF_INPUT, which Atlantis' own examples set, change only how terraform talks.)
 */
const SET_FOR_TERRAFORM = new Set([
  "TF_DATA_DIR",
  "TF_WORKSPACE",
  "TF_PLUGIN_CACHE_DIR",
  "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE",
  "TF_CLI_CONFIG_FILE",
]);

export function isSetForTerraform(name: string): boolean {
  return SET_FOR_TERRAFORM.has(name.toUpperCase());
}

export const SET_FOR_TERRAFORM_REASON =
  "is set by Sluice for every run (terraform's data dir, the project's workspace, the provider cache, the CLI config): a workflow cannot set it";

export function isForbiddenEnvName(name: string): boolean {
  return FORBIDDEN.has(name.toUpperCase());
}

export function childEnv(extra: Record<string, string | undefined> = {}, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined || isForbiddenEnvName(name)) continue;
    env[name] = value;
  }
  return env;
}

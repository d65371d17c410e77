/** The hosts a genuine delivery's repository URLs are on: GitHub's web host and its API host. */
export interface GithubHosts {
  web: string;
  api: string;
}

/**
 * From the API base URL the app talks to (GitHub Enterprise Server and the simulator: one host
 * for both), or github.com's pair when none is set. Hosts compare as `URL.host` does, port included.
 */
export function githubHosts(apiBaseUrl?: string): GithubHosts {
  if (!apiBaseUrl) return { web: "github.com", api: "api.github.com" };
  const host = new URL(apiBaseUrl).host.toLowerCase();
  return { web: host, api: host };
}

const FIELDS = [
  ["clone_url", "web"],
  ["html_url", "web"],
  ["url", "api"],
] as const;

/**
 * A push names its repository in GitHub's older format, whose `url` is the repository's web page
 * (`https://github.com/OWNER/NAME`), not its API address: on github.com, where the two hosts
 * differ, reading it as the API's refused every push.
 */
const PUSH_FIELDS = [
  ["clone_url", "web"],
  ["html_url", "web"],
  ["url", "web"],
] as const;

/**
 * Pure: why a signed delivery is refused because a repository URL in it names another host than
 * the configured GitHub's (a clone would send the installation token there), or undefined. A
 * signed payload is still input: the secret may have leaked, or a proxy rewrite it.
 */
export function foreignHost(payload: unknown, hosts: GithubHosts, event?: string): string | undefined {
  const repository = (payload as { repository?: Record<string, unknown> } | null)?.repository;
  if (!repository) return undefined;
  for (const [field, side] of event === "push" ? PUSH_FIELDS : FIELDS) {
    const value = repository[field];
    if (value === undefined || value === null) continue;
    let host: string;
    try {
      host = new URL(String(value)).host.toLowerCase();
    } catch {
      return `repository.${field} is not a URL`;
    }
    if (host !== hosts[side]) return `repository.${field} is on ${host}, not on the configured GitHub (${hosts[side]})`;
  }
  return undefined;
}

/**
 * Pure: why a signed delivery is refused because its repository contradicts itself, or undefined.
 * Sluice acts on `owner/name`, takes its settings and allowlist entry by that name, and fetches
 * its commits from `clone_url` into that repository's mirror: a clone URL naming another
 * repository on the same GitHub (one the token reaches, or any public one) would have its
 * branches read as this one's, the default branch's trusted config among them. GitHub never sends
 * such a payload; a leaked secret or a rewriting proxy could.
 */
export function repositoryMismatch(payload: unknown): string | undefined {
  const repository = (payload as { repository?: Record<string, unknown> } | null)?.repository;
  if (!repository || typeof repository !== "object") return undefined;
  const owner = repository.owner as { login?: unknown; name?: unknown } | undefined;
  const login = owner?.login ?? owner?.name;
  const name = repository.name;
  // Without both, no job can name a repository: event-to-job ignores the delivery, saying why.
  if (typeof login !== "string" || typeof name !== "string") return undefined;
  const fullName = `${login}/${name}`.toLowerCase();
  const fullNameField = repository.full_name;
  if (fullNameField !== undefined && fullNameField !== null && String(fullNameField).toLowerCase() !== fullName) {
    return `repository.full_name (${String(fullNameField)}) is not its owner and name (${login}/${name})`;
  }
  for (const [field, path] of [
    ["clone_url", `/${fullName}.git`],
    ["html_url", `/${fullName}`],
  ] as const) {
    const value = repository[field];
    if (value === undefined || value === null) continue;
    let url: URL;
    try {
      url = new URL(String(value));
    } catch {
      return `repository.${field} is not a URL`;
    }
    if (url.pathname.toLowerCase() !== path || url.search || url.hash || url.username || url.password) {
      return `repository.${field} (${String(value)}) does not name ${login}/${name}`;
    }
  }
  return undefined;
}

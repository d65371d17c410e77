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
 * Pure: why a signed delivery is refused because a repository URL in it names another host than
 * the configured GitHub's (a clone would send the installation token there), or undefined. A
 * signed payload is still input: the secret may have leaked, or a proxy rewrite it.
 */
export function foreignHost(payload: unknown, hosts: GithubHosts): string | undefined {
  const repository = (payload as { repository?: Record<string, unknown> } | null)?.repository;
  if (!repository) return undefined;
  for (const [field, side] of FIELDS) {
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

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import type { ChartDependency } from "./chart-dependencies.js";

/** A chart repository or OCI registry the server lets helm fetch dependencies from. */
export interface HelmRepository {
  url: string;
  /** What a Chart.yaml may call it (`repository: "@name"`). */
  name?: string;
  username?: string;
  password?: string;
}

export interface HelmRepositoryConfig {
  url: string;
  name?: string;
  username?: string;
  password?: string;
}

/** Server `helm_repositories` with `env:VAR` credentials read from `env`; unset variables give no credential. */
export function resolveHelmRepositories(
  config: readonly HelmRepositoryConfig[],
  env: Readonly<Record<string, string | undefined>>,
): HelmRepository[] {
  const read = (ref: string | undefined) => (ref === undefined ? undefined : env[ref.slice("env:".length)]);
  return config.map((r) => {
    const repo: HelmRepository = { url: r.url };
    if (r.name !== undefined) repo.name = r.name;
    const username = read(r.username);
    const password = read(r.password);
    if (username !== undefined) repo.username = username;
    if (password !== undefined) repo.password = password;
    return repo;
  });
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

/**
 * The allowed repository a dependency comes from: the same URL (an OCI dependency may name a chart
 * path under an allowed registry path), or `@name` of one. Undefined: not allowed.
 */
export function allowedRepository(dep: ChartDependency, allowed: readonly HelmRepository[]): HelmRepository | undefined {
  const repo = dep.repository ?? "";
  if (repo.startsWith("@") || repo.startsWith("alias:")) {
    const name = repo.startsWith("@") ? repo.slice(1) : repo.slice("alias:".length);
    return allowed.find((r) => r.name === name);
  }
  const url = trimSlash(repo);
  return allowed.find((r) => {
    const base = trimSlash(r.url);
    return url === base || (base.startsWith("oci://") && url.startsWith(`${base}/`));
  });
}

/** A dependency helm must download (not vendored, not a local `file://` chart). */
export const isRemote = (dep: ChartDependency) =>
  dep.repository !== undefined && dep.repository !== "" && !dep.repository.startsWith("file://");

/**
 * Writes helm's repository list and registry logins for one run into its own helm home, mode
 * 0600, so `helm dependency build` finds the allowed repositories with their credentials and no
 * `helm repo add` or `helm registry login` (which would want a terminal) is needed.
 */
export async function writeHelmRepositoryConfig(
  configHome: string,
  repos: readonly HelmRepository[],
): Promise<{ repositoryConfig: string; registryConfig: string }> {
  await mkdir(join(configHome, "registry"), { recursive: true, mode: 0o700 });
  const http = repos.filter((r) => !r.url.startsWith("oci://"));
  const repositories = {
    apiVersion: "",
    generated: "0001-01-01T00:00:00Z",
    repositories: http.map((r, i) => ({
      name: r.name ?? `sluice-${i}`,
      url: trimSlash(r.url),
      username: r.username ?? "",
      password: r.password ?? "",
      pass_credentials_all: false,
      insecure_skip_tls_verify: false,
    })),
  };
  const auths: Record<string, { auth: string }> = {};
  for (const r of repos) {
    if (!r.url.startsWith("oci://") || r.username === undefined) continue;
    const host = r.url.slice("oci://".length).split("/")[0] ?? "";
    auths[host] = { auth: Buffer.from(`${r.username}:${r.password ?? ""}`).toString("base64") };
  }
  const repositoryConfig = join(configHome, "repositories.yaml");
  const registryConfig = join(configHome, "registry", "config.json");
  await writeFile(repositoryConfig, stringify(repositories), { mode: 0o600 });
  await writeFile(registryConfig, JSON.stringify({ auths }), { mode: 0o600 });
  return { repositoryConfig, registryConfig };
}

/** Why a dependency cannot be fetched, and the two ways to provide it. */
export function unavailableDependencyMessage(chartDir: string, dep: ChartDependency): string {
  return [
    `chart dependency \`${dep.name}\` comes from \`${dep.repository ?? ""}\`, which this Sluice server does not fetch from.`,
    "Two ways to provide it:",
    `- vendor it: run \`helm dependency build ${chartDir}\` and commit what it writes under \`${chartDir}/charts/\` (Sluice then needs no network);`,
    "- or ask the Sluice operator to add the repository to `helm_repositories` in the server config (with credentials if it needs them).",
  ].join("\n");
}

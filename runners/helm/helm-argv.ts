/**
 * argv builders for helm (pure, so the exact command lines are unit-tested). Works with helm 3.13+
 * and helm 4: `--set-literal` needs 3.12, a preview teardown's `uninstall --ignore-not-found`
 * 3.13; `--atomic` is deprecated in helm 4 in favour of
 * `--rollback-on-failure` but still accepted, and `--wait` alone means "watcher" there.
 */
export interface HelmChartInput {
  release: string;
  namespace: string;
  /** Absolute values file paths, in precedence order (later wins). */
  values: string[];
  set: Record<string, string | number | boolean>;
  /** Values from other projects' outputs (`values_from`): any JSON, always as `--set-json`, after `set`. */
  setJson?: Record<string, unknown>;
  /** Value key -> file whose content is the value (secrets: the value never enters argv or `ps`). */
  setFiles?: Record<string, string>;
  chartDir: string;
  /** Render time only: the cluster's APIs and version, which `helm template` cannot ask a cluster for. */
  apiVersions?: string[];
  kubeVersion?: string;
}

/**
 * `--set` would parse `a,b` as two assignments and `1.10` as the number 1.1; `--set-literal`
 * passes a string as written. Numbers and booleans go as JSON so their type is exact.
 * Sorted by key, so the same config always gives the same argv.
 */
export function valueArgs(input: Pick<HelmChartInput, "values" | "set" | "setJson" | "setFiles">): string[] {
  const out: string[] = [];
  for (const file of input.values) out.push("--values", file);
  for (const key of Object.keys(input.set).sort()) {
    const value = input.set[key];
    if (typeof value === "string") out.push("--set-literal", `${key}=${value}`);
    else out.push("--set-json", `${key}=${JSON.stringify(value)}`);
  }
  // A value of any shape is one JSON text (newlines and quotes escaped): it cannot become a
  // second assignment, a flag or a path.
  for (const key of Object.keys(input.setJson ?? {}).sort()) {
    out.push("--set-json", `${key}=${JSON.stringify(input.setJson?.[key] ?? null)}`);
  }
  for (const key of Object.keys(input.setFiles ?? {}).sort()) {
    out.push("--set-file", `${key}=${input.setFiles?.[key] ?? ""}`);
  }
  return out;
}

/**
 * Renders what an install would create. CRDs are included (an install creates them; note that
 * helm itself never upgrades crds/ later); test hooks are skipped (only `helm test` creates them).
 */
export function helmTemplateArgv(input: HelmChartInput): string[] {
  const capabilities = [
    ...(input.apiVersions ?? []).flatMap((v) => ["--api-versions", v]),
    ...(input.kubeVersion !== undefined ? ["--kube-version", input.kubeVersion] : []),
  ];
  return [
    "template",
    input.release,
    input.chartDir,
    "--namespace",
    input.namespace,
    "--include-crds",
    "--skip-tests",
    ...capabilities,
    ...valueArgs(input),
  ];
}

/** Only needed when Chart.yaml lists dependencies that `charts/` lacks; `--skip-refresh` keeps it offline. */
export function helmDependencyBuildArgv(chartDir: string): string[] {
  return ["dependency", "build", chartDir, "--skip-refresh"];
}

/**
 * The chart's NOTES.txt is never printed: no plan shows it (it is not an object), and it renders
 * in the upgrade itself, with the server-held secrets among the values and with whatever `lookup`
 * reads from the cluster under the apply's credentials, so printing it would post those on the
 * pull request (`--hide-notes`, helm 3.16+).
 */
export function helmUpgradeArgv(input: HelmChartInput & { kubeconfig: string }): string[] {
  return ["upgrade", "--install", "--atomic", "--wait", "--hide-notes", ...releaseArgs(input)];
}

/**
 * A preview's teardown: the release and every object it holds, hooks included; a release already
 * gone (a teardown retried after a crash) is not an error. `--ignore-not-found` needs helm 3.13+.
 */
export function helmUninstallArgv(release: string, namespace: string, kubeconfig: string): string[] {
  return ["uninstall", release, "--namespace", namespace, "--wait", "--ignore-not-found", "--kubeconfig", kubeconfig];
}

/**
 * What an upgrade would send, rendered against the cluster (`lookup` works) and validated by the
 * API server without persisting: the head side of a live diff. `--dry-run=server` needs helm
 * 3.13+. JSON output, because the table form has no reliable end to its MANIFEST section (see
 * release-manifest.ts). The output holds Secrets and user-supplied values in clear: parse it,
 * never log it.
 */
export function helmDiffDryRunArgv(input: HelmChartInput & { kubeconfig: string }): string[] {
  return ["upgrade", "--install", "--dry-run=server", "--output", "json", ...releaseArgs(input)];
}

/** The release, chart, values and cluster of an upgrade, real or dry run: the same for both. */
function releaseArgs(input: HelmChartInput & { kubeconfig: string }): string[] {
  return [input.release, input.chartDir, "--namespace", input.namespace, ...valueArgs(input), "--kubeconfig", input.kubeconfig];
}

/**
 * The live release's manifest (the base side of a live diff): what helm last applied, hooks
 * excluded. A release that does not exist fails with `release: not found`.
 */
export function helmGetManifestArgv(release: string, namespace: string, kubeconfig: string): string[] {
  return ["get", "manifest", release, "--namespace", namespace, "--kubeconfig", kubeconfig];
}

/**
 * helm keeps repositories, registry logins and caches under these; one set per project data dir
 * so no repo sees another's, and nothing lands in the server user's home.
 */
export function helmEnv(dataDir: string): Record<string, string> {
  return {
    HELM_CACHE_HOME: `${dataDir}/helm/cache`,
    HELM_CONFIG_HOME: `${dataDir}/helm/config`,
    HELM_DATA_HOME: `${dataDir}/helm/data`,
    HELM_NO_PLUGINS: "1",
  };
}

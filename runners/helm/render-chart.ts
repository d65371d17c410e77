import { ranWell } from "../exec.js";
import { CheckoutFileError } from "../../src/util/read-checkout-file.js";
import { howItEnded } from "../how-it-ended.js";
import type { Exec } from "../runner.js";
import { realpath } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { resolveInside } from "../../src/util/resolve-inside.js";
import { type ChartDependency, chartDependencies, missingDependencies } from "./chart-dependencies.js";
import { symlinkOutside } from "./chart-symlinks.js";
import type { ChartLocation } from "./chart-location.js";
import { type HelmChartInput, helmDependencyBuildArgv, helmTemplateArgv } from "./helm-argv.js";
import {
  allowedRepository,
  type HelmRepository,
  isRemote,
  unavailableDependencyMessage,
  writeHelmRepositoryConfig,
} from "./helm-repositories.js";

export interface RenderChartInput {
  bin: string;
  chart: ChartLocation;
  release: string;
  namespace: string;
  apiVersions?: string[];
  kubeVersion?: string;
  set: Record<string, string | number | boolean>;
  /** `values_from`: other projects' outputs, as `--set-json`. */
  setJson?: Record<string, unknown>;
  setFiles: Record<string, string>;
  /** The project dir as the repo config names it, for messages. */
  projectDir: string;
  /** Server `helm_repositories`: the only places a dependency may be fetched from. */
  repositories: readonly HelmRepository[];
  /** This run's own `HELM_CONFIG_HOME` (repository list and registry logins are written there). */
  helmConfigHome: string;
  /** "base" / "head", for messages. */
  side: string;
  env: Record<string, string>;
  timeoutMs: number;
  redact: (s: string) => string;
  onOutput?: (chunk: string) => void;
}

export type RenderChartResult = { ok: true; yaml: string } | { ok: false; failedStep: string; message: string; output: string };

const identity = (s: string) => s;

/** `helm dependency build` when a dependency is not vendored, then `helm template`. */
export async function renderChart(i: RenderChartInput, exec: Exec): Promise<RenderChartResult> {
  const opts = { cwd: i.chart.dir, env: i.env, timeoutMs: i.timeoutMs, redact: i.redact, onOutput: i.onOutput };
  let deps: Awaited<ReturnType<typeof chartDependencies>>;
  try {
    deps = await chartDependencies(i.chart.dir, i.chart.root);
  } catch (e) {
    if (!(e instanceof CheckoutFileError)) throw e;
    return { ok: false, failedStep: `checkout (${i.side})`, message: e.message, output: "" };
  }
  const missing = await missingDependencies(i.chart.dir, deps);
  if (missing.length > 0) {
    const step = `dependency build (${i.side})`;
    const remote = missing.filter(isRemote);
    // Checked before helm runs: its own advice (`helm repo add`) cannot be followed inside Sluice.
    const refused = remote.find((d) => allowedRepository(d, i.repositories) === undefined);
    if (refused) return { ok: false, failedStep: step, message: unavailableDependencyMessage(i.projectDir, refused), output: "" };
    // helm dependency build packages every file:// dependency, the vendored ones too (each into a
    // `charts/NAME-VERSION.tgz` that replaces what was vendored): all are checked, not the missing ones alone.
    const local = await localDependencyProblem(i.chart, deps);
    if (local) return { ok: false, failedStep: step, message: local, output: "" };
    let env = opts.env;
    if (remote.length > 0) {
      const files = await writeHelmRepositoryConfig(i.helmConfigHome, i.repositories);
      env = { ...env, HELM_REPOSITORY_CONFIG: files.repositoryConfig, HELM_REGISTRY_CONFIG: files.registryConfig };
    }
    // Only local and vendored charts: no index to refresh, no network.
    const argv = remote.length > 0 ? ["dependency", "build", i.chart.dir] : helmDependencyBuildArgv(i.chart.dir);
    const dep = await exec(i.bin, argv, { ...opts, env });
    if (!ranWell(dep)) {
      const message = withoutRepoAddAdvice(howItEnded(`helm dependency build (${i.side})`, dep, i.timeoutMs));
      return { ok: false, failedStep: step, message, output: withoutRepoAddAdvice(dep.stdout + dep.stderr) };
    }
  }
  const input = chartInput(i);
  // stdout holds Secret values in clear: parsed (and hashed) before anything shows it.
  const r = await exec(i.bin, helmTemplateArgv(input), { ...opts, redact: identity, onOutput: undefined });
  // A render cut at the cap would read as a whole one missing its last objects.
  if (!ranWell(r) || r.outputCut) {
    const message = howItEnded(`helm template (${i.side})`, r, i.timeoutMs);
    return { ok: false, failedStep: `template (${i.side})`, message, output: i.redact(r.stderr) };
  }
  return { ok: true, yaml: r.stdout };
}

/**
 * Why a `file://` dependency helm would build cannot be: helm packages the dir it names (its
 * symlinks followed) into the chart, so it must lie inside the checkout, and hold no symlink out.
 * `helm dependency build` builds every dependency the chart declares, so `deps` is all of them.
 */
async function localDependencyProblem(chart: ChartLocation, deps: readonly ChartDependency[]): Promise<string | undefined> {
  for (const dep of deps) {
    if (!dep.repository?.startsWith("file://")) continue;
    const path = dep.repository.slice("file://".length);
    const rel = relative(await realpath(chart.root), resolve(chart.dir, path));
    const inside = await resolveInside(chart.root, rel);
    if (!inside.ok) return `dependency \`${dep.name}\` (\`${dep.repository}\`): ${inside.reason}`;
    const linkOut = await symlinkOutside(chart.root, inside.path);
    if (linkOut) return `dependency \`${dep.name}\` (\`${dep.repository}\`): ${linkOut}`;
  }
  return undefined;
}

/** A located chart with its release and values, as helm's argv builders take it. */
export function chartInput(
  i: Pick<RenderChartInput, "chart" | "release" | "namespace" | "set" | "setJson" | "setFiles" | "apiVersions" | "kubeVersion">,
): HelmChartInput {
  return {
    release: i.release,
    namespace: i.namespace,
    values: i.chart.values,
    set: i.set,
    setJson: i.setJson,
    setFiles: i.setFiles,
    chartDir: i.chart.dir,
    apiVersions: i.apiVersions,
    kubeVersion: i.kubeVersion,
  };
}

/** helm's "please add the missing repos via 'helm repo add'" cannot be followed here: it is left out. */
function withoutRepoAddAdvice(text: string): string {
  return text.replace(
    /[^\n]*helm repo add[^\n]*/gi,
    "(a dependency's repository is not in the server's helm_repositories, or not reachable)",
  );
}

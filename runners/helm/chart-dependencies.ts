import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { readCheckoutFileIfExists } from "../../src/util/read-checkout-file.js";

export interface ChartDependency {
  name: string;
  repository?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Dependencies a chart declares: Chart.yaml (apiVersion v2) or requirements.yaml (v1 charts).
 * Read only as regular files inside `root` (the checkout), size-capped; a file that is there but
 * may not be read (a FIFO, a device, too large) throws CheckoutFileError with the reason.
 */
export async function chartDependencies(chartDir: string, root = chartDir): Promise<ChartDependency[]> {
  const deps: ChartDependency[] = [];
  for (const file of ["Chart.yaml", "requirements.yaml"]) {
    const text = readCheckoutFileIfExists(root, join(chartDir, file));
    if (text === undefined) continue;
    let doc: unknown;
    try {
      doc = parse(text, { maxAliasCount: 100 });
    } catch {
      // Missing or broken: helm itself reports a broken Chart.yaml better than we can.
      continue;
    }
    const list = isRecord(doc) && Array.isArray(doc.dependencies) ? doc.dependencies : [];
    for (const d of list) {
      if (!isRecord(d) || typeof d.name !== "string") continue;
      deps.push(typeof d.repository === "string" ? { name: d.name, repository: d.repository } : { name: d.name });
    }
  }
  return deps;
}

/**
 * The `file://` dependencies of a Chart.yaml's text, as paths relative to the chart dir; broken
 * YAML gives none (helm reports it when the chart is planned).
 */
export function localChartDependencies(chartYaml: string): string[] {
  let doc: unknown;
  try {
    doc = parse(chartYaml, { maxAliasCount: 100 });
  } catch {
    return [];
  }
  const list = isRecord(doc) && Array.isArray(doc.dependencies) ? doc.dependencies : [];
  return list.flatMap((d) =>
    isRecord(d) && typeof d.repository === "string" && d.repository.startsWith("file://") ? [d.repository.slice("file://".length)] : [],
  );
}

/**
 * True when a declared dependency is not under `charts/` (unpacked dir or `<name>-<version>.tgz`):
 * then `helm dependency build` must fetch it. Vendored charts need no network.
 */
export async function needsDependencyBuild(chartDir: string, deps: readonly ChartDependency[]): Promise<boolean> {
  return (await missingDependencies(chartDir, deps)).length > 0;
}

/** The declared dependencies that are not vendored under `charts/`. */
export async function missingDependencies(chartDir: string, deps: readonly ChartDependency[]): Promise<ChartDependency[]> {
  if (deps.length === 0) return [];
  let entries: string[];
  try {
    entries = await readdir(join(chartDir, "charts"));
  } catch {
    return [...deps];
  }
  const missing: ChartDependency[] = [];
  for (const dep of deps) {
    const packed = entries.some((e) => e.startsWith(`${dep.name}-`) && e.endsWith(".tgz"));
    if (packed || (await isFile(join(chartDir, "charts", dep.name, "Chart.yaml")))) continue;
    missing.push(dep);
  }
  return missing;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

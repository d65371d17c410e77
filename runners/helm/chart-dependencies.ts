import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";

export interface ChartDependency {
  name: string;
  repository?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Dependencies a chart declares: Chart.yaml (apiVersion v2) or requirements.yaml (v1 charts). */
export async function chartDependencies(chartDir: string): Promise<ChartDependency[]> {
  const deps: ChartDependency[] = [];
  for (const file of ["Chart.yaml", "requirements.yaml"]) {
    let doc: unknown;
    try {
      doc = parse(await readFile(join(chartDir, file), "utf8"), { maxAliasCount: 100 });
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
 * True when a declared dependency is not under `charts/` (unpacked dir or `<name>-<version>.tgz`):
 * then `helm dependency build` must fetch it. Vendored charts need no network.
 */
export async function needsDependencyBuild(chartDir: string, deps: readonly ChartDependency[]): Promise<boolean> {
  if (deps.length === 0) return false;
  let entries: string[];
  try {
    entries = await readdir(join(chartDir, "charts"));
  } catch {
    return true;
  }
  for (const dep of deps) {
    const packed = entries.some((e) => e.startsWith(`${dep.name}-`) && e.endsWith(".tgz"));
    if (packed || (await isFile(join(chartDir, "charts", dep.name, "Chart.yaml")))) continue;
    return true;
  }
  return false;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { resolveInside } from "../../src/workspace/resolve-inside.js";

export interface ChartLocation {
  ok: true;
  /** Real path of the chart dir. */
  dir: string;
  /** Real paths of the values files that exist on this side. */
  values: string[];
  /** Things the reader should know (a values file new in this PR). */
  notes: string[];
}

export type ChartProblem = { ok: false; failedStep: string; message: string };

/**
 * The chart dir and values files of one checkout, resolved inside it. `optional` (the base side):
 * a chart that does not exist there yet is `undefined` (every object is new), and a values file
 * that does not exist there yet is left out, since it did not contribute to what base deploys.
 */
export async function chartAt(
  root: string,
  dir: string,
  values: readonly string[],
  optional: boolean,
): Promise<ChartLocation | ChartProblem | undefined> {
  if (optional && !existsSync(join(root, dir, "Chart.yaml"))) return undefined;
  const chart = await resolveInside(root, dir);
  if (!chart.ok) return { ok: false, failedStep: "checkout", message: chart.reason };
  if (!existsSync(join(chart.path, "Chart.yaml"))) {
    return { ok: false, failedStep: "checkout", message: `\`${dir}\` has no Chart.yaml` };
  }
  const resolved: string[] = [];
  const notes: string[] = [];
  for (const file of values) {
    // join normalizes `../shared/values.yaml`; resolveInside then refuses anything outside the repo.
    const rel = join(dir, file);
    if (optional && !existsSync(join(root, rel))) {
      notes.push(`values file \`${file}\` does not exist at base`);
      continue;
    }
    const inside = await resolveInside(root, rel);
    if (!inside.ok) return { ok: false, failedStep: "values", message: inside.reason };
    // helm splits --values on commas.
    if (inside.path.includes(",")) {
      return { ok: false, failedStep: "values", message: `values file \`${file}\`: helm cannot take a path with a comma` };
    }
    resolved.push(inside.path);
  }
  return { ok: true, dir: chart.path, values: resolved, notes };
}

/** Each secret value in its own 0600 file, for `--set-file`: the value never appears in argv or `ps`. */
export async function writeSecretSet(dir: string, values: Record<string, string>): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  let n = 0;
  for (const [key, value] of Object.entries(values)) {
    const file = join(dir, `v${n++}`);
    await writeFile(file, value, { mode: 0o600 });
    files[key] = file;
  }
  return files;
}

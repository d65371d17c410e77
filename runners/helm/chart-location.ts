import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readCheckoutFile } from "../../src/util/read-checkout-file.js";
import { resolveInside } from "../../src/util/resolve-inside.js";
import { symlinkOutside } from "./chart-symlinks.js";

export interface ChartLocation {
  ok: true;
  /** Real path of the chart dir. */
  dir: string;
  /** The checkout the chart lives in: files Sluice reads from the chart must stay inside it. */
  root: string;
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
  const linkOut = await symlinkOutside(root, chart.path);
  if (linkOut) return { ok: false, failedStep: "checkout", message: linkOut };
  // Sluice reads Chart.yaml itself (dependencies): only a regular file inside the checkout, capped.
  const chartYaml = readCheckoutFile(root, join(dir, "Chart.yaml"));
  if (!chartYaml.ok) {
    const message = chartYaml.problem === "missing" ? `\`${dir}\` has no Chart.yaml` : chartYaml.message;
    return { ok: false, failedStep: "checkout", message };
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
  return { ok: true, dir: chart.path, root, values: resolved, notes };
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

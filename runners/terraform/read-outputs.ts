import { stat } from "node:fs/promises";
import { resolveInside } from "../../src/util/resolve-inside.js";
import type { Exec, OutputsOutcome, OutputsRequest } from "../runner.js";
import { terraformEnv } from "./terraform-argv.js";

/** `terraform output -json` in the apply's data dir and workspace; sensitive outputs are dropped. */
export async function readOutputs(bin: string, req: OutputsRequest, exec: Exec): Promise<OutputsOutcome> {
  const dir = await resolveInside(req.checkoutDir, req.project.dir);
  if (!dir.ok) return { ok: false, message: dir.reason };
  const env = { ...req.env, ...terraformEnv(req.dataDir, req.project.workspace) };
  const initialized = await stat(env.TF_DATA_DIR as string).then(
    () => true,
    () => false,
  );
  if (!initialized) return { ok: false, message: "the project was not initialized here (no apply ran in this data dir)" };
  // The JSON may hold sensitive values: never logged, never streamed; parsed and filtered here.
  const r = await exec(bin, ["output", "-json", "-no-color"], { cwd: dir.path, env, timeoutMs: req.timeoutMs, redact: (s) => s });
  if (r.exitCode !== 0) return { ok: false, message: `${bin} output exited with code ${r.exitCode}` };
  return parseOutputs(r.stdout);
}

/** Pure: the JSON of `terraform output -json`, sensitive outputs left out. */
export function parseOutputs(json: string): OutputsOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { ok: false, message: "the outputs are not JSON" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return { ok: false, message: "the outputs are not an object" };
  const values: Record<string, unknown> = {};
  for (const [name, output] of Object.entries(parsed as Record<string, { sensitive?: unknown; value?: unknown }>)) {
    if (output && typeof output === "object" && output.sensitive !== true) values[name] = output.value;
  }
  return { ok: true, values };
}

import { mkdir } from "node:fs/promises";
import { resolveInside } from "../../src/util/resolve-inside.js";
import type { Exec, OutputsOutcome, OutputsRequest } from "../runner.js";
import { parseOutputJson } from "./planned-outputs.js";
import { initArgv, terraformEnv } from "./terraform-argv.js";

const identity = (s: string) => s;

/**
 * A project's outputs from its state, through the tool (`init`, then `output -json`), in the
 * sandbox like every tool run: Sluice never reads a state file itself, wherever the backend keeps
 * it. The JSON holds sensitive values in clear, so it is neither streamed nor redacted here: the
 * caller registers the sensitive ones before anything is posted.
 */
export async function readOutputs(
  bin: string,
  exec: Exec,
  req: OutputsRequest,
  extraEnv: Record<string, string> = {},
): Promise<OutputsOutcome> {
  const dir = await resolveInside(req.checkoutDir, req.project.dir);
  if (!dir.ok) return { ok: false, failedStep: "checkout", message: dir.reason, output: "" };
  await mkdir(req.dataDir, { recursive: true });
  const env = { ...req.env, ...extraEnv, ...terraformEnv(req.dataDir, req.project.workspace) };
  const { TF_WORKSPACE: _selected, ...initEnv } = env;
  const base = { cwd: dir.path, timeoutMs: req.timeoutMs, redact: req.redact, onOutput: req.onOutput };
  const init = await exec(bin, initArgv(), { ...base, env: initEnv });
  if (init.exitCode !== 0) {
    return { ok: false, failedStep: "init", message: `${bin} init exited with code ${init.exitCode}`, output: init.stdout + init.stderr };
  }
  const shown = await exec(bin, ["output", "-json", "-no-color"], { ...base, env, redact: identity, onOutput: undefined });
  if (shown.exitCode !== 0) {
    return {
      ok: false,
      failedStep: "output",
      message: `${bin} output exited with code ${shown.exitCode}`,
      output: req.redact(shown.stderr),
    };
  }
  const parsed = parseOutputJson(shown.stdout);
  return parsed.ok ? { ok: true, outputs: parsed.outputs } : { ok: false, failedStep: "output", message: parsed.error, output: "" };
}

import { mkdir } from "node:fs/promises";
import { resolveInside } from "../../src/util/resolve-inside.js";
import type { Exec, OutputsOutcome, OutputsRequest } from "../runner.js";
import { describeStepFailure } from "./describe-step-failure.js";
import { parseOutputJson } from "./planned-outputs.js";
import { terraformEnv } from "./terraform-argv.js";
import { initAsPlanned } from "./terraform-init.js";

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
  const base = { cwd: dir.path, timeoutMs: req.timeoutMs, redact: req.redact, onOutput: req.onOutput };
  // The backend as the producer's plan workflow sets it up (its `-backend-config`), never the bare
  // block's: else the outputs are another state's. Init only (as "default"): a read selects the
  // workspace through TF_WORKSPACE and never creates one.
  const initialized = await initAsPlanned(undefined, bin, exec, req.workflow?.plan, { ...base, env }, req.checkoutDir, dir.path, "default");
  if (initialized.failed) {
    const init = initialized.failed;
    return { ok: false, failedStep: "init", message: `${bin} init exited with code ${init.exitCode}`, output: init.stdout + init.stderr };
  }
  const shown = await exec(bin, ["output", "-json", "-no-color"], {
    ...base,
    env: { ...env, ...initialized.stepEnv },
    redact: identity,
    onOutput: undefined,
  });
  // Cut at the capture's cap, the JSON kept is no outputs to read: said as such, not as bad JSON.
  if (shown.exitCode !== 0 || shown.outputCut) {
    return {
      ok: false,
      failedStep: "output",
      message: describeStepFailure(bin, "output", shown, req.timeoutMs),
      output: req.redact(shown.stderr),
    };
  }
  const parsed = parseOutputJson(shown.stdout);
  return parsed.ok ? { ok: true, outputs: parsed.outputs } : { ok: false, failedStep: "output", message: parsed.error, output: "" };
}

import { mkdir } from "node:fs/promises";
import { resolveInside } from "../../src/util/resolve-inside.js";
import type { ExecOptions } from "../exec.js";
import type { Exec, StateOutcome, StateRequest } from "../runner.js";
import { describeStepFailure } from "./describe-step-failure.js";
import { stateArgv, terraformEnv } from "./terraform-argv.js";
import { terraformInit } from "./terraform-init.js";
import type { TerraformContext } from "./terraform-runner.js";

/** `import` or `state rm` in a project: init, then the one state command, under a pty. */
export async function terraformState(req: StateRequest, exec: Exec, ctx: TerraformContext): Promise<StateOutcome> {
  const { defaultBin, pluginCache } = ctx;
  const bin = req.binary ?? defaultBin;
  const started = performance.now();
  const fail = (failedStep: string, message: string, output = ""): StateOutcome => ({
    ok: false,
    failedStep,
    message,
    output,
    durationMs: performance.now() - started,
  });
  const dir = await resolveInside(req.checkoutDir, req.project.dir);
  if (!dir.ok) return fail("checkout", dir.reason);
  await mkdir(req.dataDir, { recursive: true });
  const base: ExecOptions = {
    cwd: dir.path,
    env: {
      ...req.env,
      ...(pluginCache ? await pluginCache.envFor(dir.path) : {}),
      ...terraformEnv(req.dataDir, req.project.workspace),
    },
    timeoutMs: req.timeoutMs,
    redact: req.redact,
    onOutput: req.onOutput,
  };
  const initialized = await terraformInit(pluginCache, bin, exec, [], base, req.checkoutDir, dir.path, req.project.workspace);
  if (initialized.exitCode !== 0) {
    return fail("init", describeStepFailure(bin, "init", initialized, req.timeoutMs), initialized.stdout + initialized.stderr);
  }
  const step = req.operation.kind === "import" ? "import" : "state rm";
  const r = await exec(bin, stateArgv(req.operation), { ...base, pty: true });
  if (r.exitCode !== 0) return fail(step, describeStepFailure(bin, step, r, req.timeoutMs), r.stdout);
  return { ok: true, output: r.stdout, durationMs: performance.now() - started };
}

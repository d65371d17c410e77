import type { WorkflowStep } from "../../src/model/repo-config.js";
import type { ExecOptions, ExecResult } from "../exec.js";
import type { ApplyRequest, Exec } from "../runner.js";
import { describeStepFailure } from "./describe-step-failure.js";
import { selectWorkspaceScript } from "./init-plan-show.js";
import type { PluginCache } from "./plugin-cache.js";
import { restoreLockFile } from "./restore-lock-file.js";
import { initArgv } from "./terraform-argv.js";

/** A project's plan workflow when the repo config names none. */
export const DEFAULT_PLAN: WorkflowStep[] = [
  { kind: "init", extraArgs: [] },
  { kind: "plan", extraArgs: [] },
];

/**
 * init, under the plugin cache's download lock when this project may download providers; then
 * the project's workspace, created when the backend has none of that name (as Atlantis does).
 */
export async function terraformInit(
  pluginCache: PluginCache | undefined,
  bin: string,
  exec: Exec,
  extraArgs: string[],
  base: ExecOptions,
  checkoutDir: string,
  projectDir: string,
  workspace: string,
): Promise<ExecResult> {
  const { TF_WORKSPACE: _selected, ...env } = base.env ?? {};
  const run = (access = { writable: [] as string[] }) =>
    exec(bin, [...initArgv(), ...extraArgs], { ...base, env, sandboxWrite: access.writable });
  const r = await (pluginCache ? pluginCache.guard(checkoutDir, projectDir, run) : run());
  if (r.exitCode !== 0 || workspace === "default") return r;
  const s = await exec("/bin/sh", ["-c", selectWorkspaceScript(bin, workspace)], { ...base, env });
  return { ...s, stdout: r.stdout + s.stdout, stderr: r.stderr + s.stderr };
}

/**
 * The plan workflow's `init` steps (with its `env` steps), or a plain init when it has none, for
 * an apply whose TF_DATA_DIR is new. Returns the failure, or undefined when ready.
 */
export async function initAgain(
  pluginCache: PluginCache | undefined,
  bin: string,
  exec: Exec,
  req: ApplyRequest,
  env: Record<string, string>,
  projectDir: string,
): Promise<{ message: string; output: string } | undefined> {
  await restoreLockFile(req.planFile, projectDir, req.checkoutDir);
  const steps = (req.workflow?.plan ?? DEFAULT_PLAN).filter((s) => s.kind === "env" || s.kind === "init");
  if (!steps.some((s) => s.kind === "init")) steps.push({ kind: "init", extraArgs: [] });
  const redact = req.redactWith([]);
  const stepEnv: Record<string, string> = {};
  for (const step of steps) {
    if (step.kind === "env") stepEnv[step.name] = step.value;
    if (step.kind !== "init") continue;
    const base = { cwd: projectDir, env: { ...env, ...stepEnv }, timeoutMs: req.timeoutMs, redact, onOutput: req.onOutput };
    const r = await terraformInit(pluginCache, bin, exec, step.extraArgs, base, req.checkoutDir, projectDir, req.project.workspace);
    if (r.exitCode !== 0) {
      const message = `${describeStepFailure(bin, "init", r, req.timeoutMs)} (the plan was made on another replica: this one sets up the project before applying it)`;
      return { message, output: r.stdout + r.stderr };
    }
  }
  return undefined;
}

import type { WorkflowStep } from "../../src/model/repo-config.js";
import { type ExecOptions, type ExecResult, ranWell } from "../exec.js";
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
  if (!ranWell(r) || workspace === "default") return r;
  const s = await exec("/bin/sh", ["-c", selectWorkspaceScript(bin, workspace)], { ...base, env });
  return { ...s, stdout: r.stdout + s.stdout, stderr: r.stderr + s.stderr };
}

/**
 * The plan workflow's `init` steps with its `env` steps (a plain init when it has none), as the
 * plan ran them: an `-backend-config` there names the backend the project's plans and applies
 * use, so every later run that sets TF_DATA_DIR up again (an apply on another replica, a state
 * command) finds that backend, never the one the bare block falls back to. Returns the env the
 * steps set, for the runs that follow, or the failed init.
 */
export async function initAsPlanned(
  pluginCache: PluginCache | undefined,
  bin: string,
  exec: Exec,
  plan: WorkflowStep[] | undefined,
  base: ExecOptions,
  checkoutDir: string,
  projectDir: string,
  workspace: string,
): Promise<{ stepEnv: Record<string, string>; failed?: ExecResult }> {
  const steps = (plan ?? DEFAULT_PLAN).filter((s) => s.kind === "env" || s.kind === "init");
  if (!steps.some((s) => s.kind === "init")) steps.push({ kind: "init", extraArgs: [] });
  const stepEnv: Record<string, string> = {};
  for (const step of steps) {
    if (step.kind === "env") stepEnv[step.name] = step.value;
    if (step.kind !== "init") continue;
    const at = { ...base, env: { ...base.env, ...stepEnv } };
    const r = await terraformInit(pluginCache, bin, exec, step.extraArgs, at, checkoutDir, projectDir, workspace);
    if (!ranWell(r)) return { stepEnv, failed: r };
  }
  return { stepEnv };
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
  const base = { cwd: projectDir, env, timeoutMs: req.timeoutMs, redact: req.redactWith([]), onOutput: req.onOutput };
  const { failed } = await initAsPlanned(
    pluginCache,
    bin,
    exec,
    req.workflow?.plan,
    base,
    req.checkoutDir,
    projectDir,
    req.project.workspace,
  );
  if (!failed) return undefined;
  const message = `${describeStepFailure(bin, "init", failed, req.timeoutMs)} (the plan was made on another replica: this one sets up the project before applying it)`;
  return { message, output: failed.stdout + failed.stderr };
}

import { lstat, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { WorkflowStep } from "../../src/model/repo-config.js";
import { createRedactor } from "../../src/util/redact.js";
import { readCheckoutFile } from "../../src/util/read-checkout-file.js";
import { resolveInside } from "../../src/util/resolve-inside.js";
import { runPolicyCheck } from "../conftest/run-policy-check.js";
import type { ExecOptions, ExecResult } from "../exec.js";
import type { ApplyOutcome, ApplyRequest, Exec, PlanOutcome, PlanRequest, Runner, StateOutcome, StateRequest } from "../runner.js";
import { localStateInCheckout, localStateWarning } from "./local-state-warning.js";
import { restoreLockFile } from "./restore-lock-file.js";
import type { PluginCache } from "./plugin-cache.js";
import { summarizePlan } from "./summarize-plan.js";
import { initPlanShow, selectWorkspaceScript } from "./init-plan-show.js";
import { loadedModuleDirs } from "./loaded-module-dirs.js";
import { shownStep, stepVariables } from "./step-variables.js";
import { findBinary } from "../sandbox/sandbox.js";
import { parsePlanJson } from "./parse-plan-json.js";
import { readOutputs } from "./read-outputs.js";
import { resourceDetails } from "./resource-details.js";
import { applyArgv, initArgv, planArgv, showJsonArgv, stateArgv, terraformBinary, terraformEnv } from "./terraform-argv.js";

const identity = (s: string) => s;

function describeFailure(bin: string, step: string, r: ExecResult, timeoutMs: number): string {
  if (r.limit) return `${bin} ${step} was stopped: ${r.limit.message} (server setting \`limits\`)`;
  if (r.timedOut) return `${bin} ${step} timed out after ${Math.round(timeoutMs / 1000)} s and was stopped`;
  if (r.signal) return `${bin} ${step} was killed by ${r.signal}`;
  return `${bin} ${step} exited with code ${r.exitCode}`;
}

/** `-var-file` paths come from a PR comment: they must resolve inside the checkout. */
async function checkVarFiles(checkoutDir: string, projectDir: string, args: readonly string[]) {
  for (const arg of args) {
    const m = /^-var-file=(.*)$/.exec(arg);
    if (!m?.[1]) continue;
    const inside = await resolveInside(checkoutDir, join(projectDir, m[1]));
    if (!inside.ok) return inside.reason;
  }
  return undefined;
}

const DEFAULT_PLAN: WorkflowStep[] = [
  { kind: "init", extraArgs: [] },
  { kind: "plan", extraArgs: [] },
];
const DEFAULT_APPLY: WorkflowStep[] = [{ kind: "apply", extraArgs: [] }];

const isRegularFile = (path: string) =>
  lstat(path).then(
    (s) => s.isFile(),
    () => false,
  );

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

export interface TerraformRunnerOptions {
  binary?: string;
  /** Shared provider cache; absent = every project downloads its own providers. */
  pluginCache?: PluginCache;
}

export function createTerraformRunner(kind: "terraform" | "opentofu", opts: TerraformRunnerOptions = {}): Runner {
  const defaultBin = terraformBinary(kind, opts.binary);

  /**
   * init, under the plugin cache's download lock when this project may download providers; then
   * the project's workspace, created when the backend has none of that name (as Atlantis does).
   */
  async function init(
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
    const r = await (opts.pluginCache ? opts.pluginCache.guard(checkoutDir, projectDir, run) : run());
    if (r.exitCode !== 0 || workspace === "default") return r;
    const s = await exec("/bin/sh", ["-c", selectWorkspaceScript(bin, workspace)], { ...base, env });
    return { ...s, stdout: r.stdout + s.stdout, stderr: r.stderr + s.stderr };
  }

  /**
   * The plan workflow's `init` steps (with its `env` steps), or a plain init when it has none, for
   * an apply whose TF_DATA_DIR is new. Returns the failure, or undefined when ready.
   */
  async function initAgain(
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
      const r = await init(bin, exec, step.extraArgs, base, req.checkoutDir, projectDir, req.project.workspace);
      if (r.exitCode !== 0) {
        const message = `${describeFailure(bin, "init", r, req.timeoutMs)} (the plan was made on another replica: this one sets up the project before applying it)`;
        return { message, output: r.stdout + r.stderr };
      }
    }
    return undefined;
  }

  return {
    kind,
    outputs: (req, exec) => readOutputs(req.binary ?? defaultBin, req, exec),
    async state(req: StateRequest, exec: Exec): Promise<StateOutcome> {
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
          ...(opts.pluginCache ? await opts.pluginCache.envFor(dir.path) : {}),
          ...terraformEnv(req.dataDir, req.project.workspace),
        },
        timeoutMs: req.timeoutMs,
        redact: req.redact,
        onOutput: req.onOutput,
      };
      const initialized = await init(bin, exec, [], base, req.checkoutDir, dir.path, req.project.workspace);
      if (initialized.exitCode !== 0) {
        return fail("init", describeFailure(bin, "init", initialized, req.timeoutMs), initialized.stdout + initialized.stderr);
      }
      const step = req.operation.kind === "import" ? "import" : "state rm";
      const r = await exec(bin, stateArgv(req.operation), { ...base, pty: true });
      if (r.exitCode !== 0) return fail(step, describeFailure(bin, step, r, req.timeoutMs), r.stdout);
      return { ok: true, output: r.stdout, durationMs: performance.now() - started };
    },
    async plan(req: PlanRequest, exec: Exec): Promise<PlanOutcome> {
      const bin = req.binary ?? defaultBin;
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      const fail = (failedStep: string, message: string, output = ""): PlanOutcome => ({
        ok: false,
        failedStep,
        message,
        output,
        durationMs: elapsed(),
      });
      const dir = await resolveInside(req.checkoutDir, req.project.dir);
      if (!dir.ok) return fail("checkout", dir.reason);
      const varFileProblem = await checkVarFiles(req.checkoutDir, req.project.dir, req.extraArgs);
      if (varFileProblem) return fail("arguments", varFileProblem);
      await mkdir(req.dataDir, { recursive: true });
      const planFile = join(req.dataDir, "plan.tfplan");
      await rm(planFile, { force: true });
      const env: Record<string, string> = {
        ...req.env,
        ...(opts.pluginCache ? await opts.pluginCache.envFor(dir.path) : {}),
        ...terraformEnv(req.dataDir, req.project.workspace),
      };
      const base = (extra: Record<string, string> = {}): ExecOptions => ({
        cwd: dir.path,
        env: { ...env, ...extra },
        timeoutMs: req.timeoutMs,
        redact: req.redact,
        onOutput: req.onOutput,
      });

      let shown = "";
      // Set when init, plan and show ran as one tool run; else show runs on its own below.
      let showJson: string | undefined;
      const stepEnv: Record<string, string> = {};
      let steps = req.workflow?.plan ?? DEFAULT_PLAN;
      // The default workflow: init, plan and show in one tool run (one sandbox start), unless init
      // may download providers (then steps run alone, init with the cache writable under the
      // download lock) or the binary is missing (the plain path says so).
      if (!req.workflow && findBinary(bin)) {
        const all = { ...base(), timeoutMs: 3 * req.timeoutMs };
        const run = async (access: { writable: string[] }) =>
          access.writable.length
            ? undefined
            : initPlanShow(exec, bin, planArgv(planFile, req.extraArgs), planFile, all, req.project.workspace);
        const batched = opts.pluginCache ? await opts.pluginCache.guard(req.checkoutDir, dir.path, run) : await run({ writable: [] });
        if (batched && !batched.ok) {
          const message = batched.problem ?? describeFailure(bin, batched.step, batched.result, all.timeoutMs);
          return fail(batched.step, message, batched.output);
        }
        if (batched?.ok) {
          shown += batched.planOutput;
          showJson = batched.json;
          steps = [];
        }
      }
      for (const step of steps) {
        if (step.kind === "env") {
          stepEnv[step.name] = step.value;
        } else if (step.kind === "init") {
          const r = await init(bin, exec, step.extraArgs, base(stepEnv), req.checkoutDir, dir.path, req.project.workspace);
          if (r.exitCode !== 0) return fail("init", describeFailure(bin, "init", r, req.timeoutMs), r.stdout + r.stderr);
        } else if (step.kind === "plan") {
          const r = await exec(bin, planArgv(planFile, [...step.extraArgs, ...req.extraArgs]), { ...base(stepEnv), pty: true });
          if (r.exitCode !== 0) return fail("plan", describeFailure(bin, "plan", r, req.timeoutMs), r.stdout);
          shown += r.stdout;
        } else if (step.kind === "run") {
          const [file, ...args] = step.argv;
          if (!file) continue;
          const vars = { ...stepVariables(req, dir.path, planFile), ...stepEnv, ...step.env };
          const r = await exec(file, args, { ...base(vars), pty: true });
          const { line, name } = shownStep(step);
          shown += `$ ${line}\n${r.stdout}`;
          if (r.exitCode !== 0) return fail(`run ${name}`, describeFailure(name, "step", r, req.timeoutMs), shown);
        }
      }
      if (!(await exists(planFile))) {
        return fail("plan", "the workflow made no plan file: it needs a `plan` step, or a `run` step that writes $PLANFILE", shown);
      }
      if (!(await isRegularFile(planFile))) return fail("plan", "the plan file the workflow left is not a regular file", shown);
      if (showJson === undefined) {
        // The JSON holds sensitive values in clear: parsed here, never logged or posted. From here
        // on the plan file is read-only to the sandbox: a provider that `show` starts cannot change
        // the plan after it was shown, so what is hashed and applied is what the comment shows.
        const show = await exec(bin, showJsonArgv(planFile), {
          ...base(stepEnv),
          redact: identity,
          onOutput: undefined,
          sandboxReadOnly: [planFile],
        });
        if (show.exitCode !== 0) return fail("show", describeFailure(bin, "show", show, req.timeoutMs), req.redact(show.stderr));
        showJson = show.stdout;
      }
      const json = parsePlanJson(showJson);
      const summary = summarizePlan(json.ok ? json.plan : showJson);
      if (!summary.ok) return fail("show", summary.error);
      if (req.details && json.ok) summary.summary.details = resourceDetails(json.plan);
      // What init really loaded (a templated `source` too), for the code owners of the apply.
      summary.summary.moduleDirs = await loadedModuleDirs(env.TF_DATA_DIR as string, req.checkoutDir, dir.path);
      // The sandbox had TF_DATA_DIR writable: its backend file is read as a PR's file (inside,
      // regular, capped: never through a symlink, nor /dev/zero or a FIFO); one refused says nothing.
      const backend = readCheckoutFile(env.TF_DATA_DIR as string, "terraform.tfstate");
      const localState =
        backend.ok || backend.problem === "missing"
          ? localStateInCheckout({
              backendState: backend.ok ? backend.text : undefined,
              projectDir: dir.path,
              checkoutDir: req.checkoutDir,
              workspace: req.project.workspace,
            })
          : undefined;
      if (localState) summary.summary.warnings = [...(summary.summary.warnings ?? []), localStateWarning(localState)];
      if (!req.policyCheck) return { ok: true, summary: summary.summary, output: shown, planFile, durationMs: elapsed() };
      // conftest reads the JSON from a file in the plan's own data dir (Atlantis' SHOWFILE), private
      // to this server, and removed once checked: it holds sensitive values in clear.
      const showFile = `${planFile}.json`;
      // A workflow step may have left anything at that name: never written through (wx, after rm).
      await rm(showFile, { recursive: true, force: true });
      await writeFile(showFile, showJson, { mode: 0o600, flag: "wx" });
      const sensitive = createRedactor({ secrets: summary.summary.sensitiveValues });
      try {
        const policy = await runPolicyCheck(exec, req.policyCheck, {
          showFile,
          cwd: dir.path,
          env: base(stepEnv).env as Record<string, string>,
          timeoutMs: req.timeoutMs,
          redact: (text) => sensitive(req.redact(text)),
        });
        return { ok: true, summary: summary.summary, output: shown, planFile, durationMs: elapsed(), policy };
      } finally {
        await rm(showFile, { force: true });
      }
    },

    async apply(req: ApplyRequest, exec: Exec): Promise<ApplyOutcome> {
      const bin = req.binary ?? defaultBin;
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      const dir = await resolveInside(req.checkoutDir, req.project.dir);
      if (!dir.ok) return { ok: false, message: dir.reason, output: "", durationMs: elapsed(), sensitiveValues: [] };
      const env: Record<string, string> = {
        ...req.env,
        ...(opts.pluginCache ? await opts.pluginCache.envFor(dir.path) : {}),
        ...terraformEnv(req.dataDir, req.project.workspace),
      };
      // A plan made on another replica (or copied from the store) comes without TF_DATA_DIR: its
      // providers, modules and backend are set up again, as the plan's workflow did, before anything reads the plan.
      if (!(await exists(env.TF_DATA_DIR as string))) {
        const failed = await initAgain(bin, exec, req, env, dir.path);
        if (failed) return { ok: false, ...failed, durationMs: elapsed(), sensitiveValues: [] };
      }
      if (!(await isRegularFile(req.planFile))) {
        return { ok: false, message: "the saved plan is not a regular file", output: "", durationMs: elapsed(), sensitiveValues: [] };
      }
      // The saved plan was verified before this apply: no code the apply starts may change it.
      const frozen = [req.planFile];
      // The saved plan says which values are sensitive: learn them before anything is printed.
      const show = await exec(bin, showJsonArgv(req.planFile), {
        cwd: dir.path,
        env,
        timeoutMs: req.timeoutMs,
        redact: identity,
        sandboxReadOnly: frozen,
      });
      const summary = show.exitCode === 0 ? summarizePlan(show.stdout) : undefined;
      const sensitiveValues = summary?.ok ? summary.summary.sensitiveValues : [];
      const redact = req.redactWith(sensitiveValues);
      const fail = (message: string, output = ""): ApplyOutcome => ({ ok: false, message, output, durationMs: elapsed(), sensitiveValues });
      if (!summary?.ok) return fail(`the saved plan could not be read: ${summary ? summary.error : redact(show.stderr).trim()}`);

      let output = "";
      const stepEnv: Record<string, string> = {};
      for (const step of req.workflow?.apply ?? DEFAULT_APPLY) {
        const opts = (extra: Record<string, string>): ExecOptions => ({
          cwd: dir.path,
          env: { ...env, ...extra },
          timeoutMs: req.timeoutMs,
          redact,
          onOutput: req.onOutput,
          pty: true,
          sandboxReadOnly: frozen,
        });
        if (step.kind === "env") {
          stepEnv[step.name] = step.value;
        } else if (step.kind === "apply") {
          const r = await exec(bin, [...applyArgv(req.planFile).slice(0, -1), ...step.extraArgs, req.planFile], opts(stepEnv));
          output += r.stdout;
          if (r.exitCode !== 0) return fail(describeFailure(bin, "apply", r, req.timeoutMs), output);
        } else if (step.kind === "run") {
          const [file, ...args] = step.argv;
          if (!file) continue;
          const r = await exec(file, args, opts({ ...stepVariables(req, dir.path, req.planFile), ...stepEnv, ...step.env }));
          const { line, name } = shownStep(step);
          output += `$ ${line}\n${r.stdout}`;
          if (r.exitCode !== 0) return fail(describeFailure(name, "step", r, req.timeoutMs), output);
        }
        // init and plan steps have no place in an apply: the saved plan is what gets applied.
      }
      return { ok: true, output, durationMs: elapsed(), sensitiveValues };
    },
  };
}

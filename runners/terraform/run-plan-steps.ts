import type { WorkflowStep } from "../../src/model/repo-config.js";
import type { heldOutput } from "../held-output.js";
import { type ExecOptions, ranWell } from "../exec.js";
import type { Exec, PlanRequest } from "../runner.js";
import { findBinary } from "../sandbox/sandbox.js";
import { describeStepFailure } from "./describe-step-failure.js";
import { isRegularFile, pathExists } from "./file-kind.js";
import { initPlanShow } from "./init-plan-show.js";
import type { PluginCache } from "./plugin-cache.js";
import { shownStep, stepVariables } from "./step-variables.js";
import { planArgv, showJsonArgv } from "./terraform-argv.js";
import { DEFAULT_PLAN, terraformInit } from "./terraform-init.js";

const identity = (s: string) => s;

/** What every step of one project's plan runs with, as terraformPlan set it up. */
export interface PlanSteps {
  req: PlanRequest;
  exec: Exec;
  bin: string;
  pluginCache: PluginCache | undefined;
  /** The project's dir, resolved inside the checkout. */
  dir: string;
  planFile: string;
  /** The request's arguments, `-destroy` included. */
  extraArgs: readonly string[];
  /** The exec options of a step, with its own variables on top of the plan's environment. */
  base(extra?: Record<string, string>): ExecOptions;
  /** Where plan and run steps' output waits for the plan's sensitive values (terraformPlan's releasePlan). */
  heldPlan: ReturnType<typeof heldOutput>;
}

/**
 * A step that failed: its name (the plan's `failedStep`), why, and the output to show; a batched
 * plan's held output to stream with the sensitive values of the plan file it left (InitPlanShow).
 */
export type StepFailure = {
  ok: false;
  step: string;
  message: string;
  output: string;
  streamPlan?: (sensitiveValues: readonly string[]) => void;
  /** The plan succeeded but left no plan file Sluice can read: its text has unknown sensitive values. */
  planUnread?: true;
};

export type StepsRan =
  | StepFailure
  | {
      ok: true;
      /** What plan and run steps printed, for the comment. */
      shown: string;
      /** The plan's JSON when init, plan and show ran as one tool run; else show runs on its own (showPlanFile). */
      showJson?: string;
      /** Streams a batched plan's output, held back while it ran (InitPlanShow's streamPlan). */
      streamPlan?: (sensitiveValues: readonly string[]) => void;
      /** The `env` steps' variables, for the steps after them (show, the policy check). */
      stepEnv: Record<string, string>;
    };

/**
 * The plan workflow's steps up to the plan file: by default init, plan and show in one tool run
 * (one sandbox start), unless init may download providers (then steps run alone, init with the
 * cache writable under the download lock) or the binary is missing (the plain path says so).
 */
export async function runPlanSteps(s: PlanSteps): Promise<StepsRan> {
  const { req, bin } = s;
  if (!req.workflow && findBinary(bin)) {
    const all = { ...s.base(), timeoutMs: 3 * req.timeoutMs };
    const run = async (access: { writable: string[] }) =>
      access.writable.length
        ? undefined
        : initPlanShow(s.exec, bin, planArgv(s.planFile, s.extraArgs), s.planFile, all, req.project.workspace);
    const batched = s.pluginCache ? await s.pluginCache.guard(req.checkoutDir, s.dir, run) : await run({ writable: [] });
    if (batched && !batched.ok) {
      const message = batched.problem ?? describeStepFailure(bin, batched.step, batched.result, all.timeoutMs);
      const failed = { ok: false as const, step: batched.step, message, output: batched.output, streamPlan: batched.streamPlan };
      return batched.problem === undefined ? failed : { ...failed, planUnread: true };
    }
    if (batched?.ok) return { ok: true, shown: batched.planOutput, showJson: batched.json, streamPlan: batched.streamPlan, stepEnv: {} };
  }
  return runWorkflowSteps(s, req.workflow?.plan ?? DEFAULT_PLAN);
}

/** The steps one by one, each its own tool run; plan and run steps' output is held (PlanSteps.heldPlan). */
async function runWorkflowSteps(s: PlanSteps, steps: readonly WorkflowStep[]): Promise<StepsRan> {
  const { req, exec, bin, planFile } = s;
  const stepEnv: Record<string, string> = {};
  let shown = "";
  for (const step of steps) {
    if (step.kind === "env") {
      stepEnv[step.name] = step.value;
    } else if (step.kind === "init") {
      const r = await terraformInit(
        s.pluginCache,
        bin,
        exec,
        step.extraArgs,
        s.base(stepEnv),
        req.checkoutDir,
        s.dir,
        req.project.workspace,
      );
      if (!ranWell(r))
        return { ok: false, step: "init", message: describeStepFailure(bin, "init", r, req.timeoutMs), output: r.stdout + r.stderr };
    } else if (step.kind === "plan") {
      const r = await exec(bin, planArgv(planFile, [...step.extraArgs, ...s.extraArgs]), {
        ...s.base(stepEnv),
        pty: true,
        onOutput: undefined,
      });
      s.heldPlan.hold(r.stdout);
      if (!ranWell(r)) return { ok: false, step: "plan", message: describeStepFailure(bin, "plan", r, req.timeoutMs), output: r.stdout };
      shown += r.stdout;
    } else if (step.kind === "run") {
      const [file, ...args] = step.argv;
      if (!file) continue;
      const vars = { ...stepVariables(req, s.dir, planFile), ...stepEnv, ...step.env };
      const r = await exec(file, args, { ...s.base(vars), pty: true, onOutput: undefined });
      const { line, name } = shownStep(step);
      s.heldPlan.hold(r.stdout);
      shown += `$ ${line}\n${r.stdout}`;
      if (!ranWell(r))
        return { ok: false, step: `run ${name}`, message: describeStepFailure(name, "step", r, req.timeoutMs), output: shown };
    }
  }
  return { ok: true, shown, stepEnv };
}

/**
 * The plan file the steps left, shown as JSON. The JSON holds sensitive values in clear: parsed
 * by the caller, never logged or posted. The plan file is read-only to the sandbox from here on:
 * a provider that `show` starts cannot change the plan after it was shown, so what is hashed and
 * applied is what the comment shows.
 */
export async function showPlanFile(
  s: Pick<PlanSteps, "req" | "exec" | "bin" | "planFile" | "base">,
  ran: Extract<StepsRan, { ok: true }>,
): Promise<StepFailure | { ok: true; json: string }> {
  const { req, planFile } = s;
  if (!(await pathExists(planFile))) {
    return {
      ok: false,
      step: "plan",
      message: "the workflow made no plan file: it needs a `plan` step, or a `run` step that writes $PLANFILE",
      output: ran.shown,
    };
  }
  if (!(await isRegularFile(planFile)))
    return { ok: false, step: "plan", message: "the plan file the workflow left is not a regular file", output: ran.shown };
  if (ran.showJson !== undefined) return { ok: true, json: ran.showJson };
  const show = await s.exec(s.bin, showJsonArgv(planFile), {
    ...s.base(ran.stepEnv),
    redact: identity,
    onOutput: undefined,
    sandboxReadOnly: [planFile],
  });
  if (show.exitCode !== 0 || show.outputCut)
    return { ok: false, step: "show", message: describeStepFailure(s.bin, "show", show, req.timeoutMs), output: req.redact(show.stderr) };
  return { ok: true, json: show.stdout };
}

import type { Workflow, WorkflowStep } from "../../model/repo-config.js";
import { formatPath, type KeyPath } from "./format-path.js";
import type { NormalizeContext } from "./normalize-context.js";
import type { SluiceConfigInput, SluiceStepInput } from "./sluice-schema.js";
import { splitCommand } from "./split-command.js";

export const DEFAULT_PLAN_STEPS: readonly WorkflowStep[] = [
  { kind: "init", extraArgs: [] },
  { kind: "plan", extraArgs: [] },
];
export const DEFAULT_APPLY_STEPS: readonly WorkflowStep[] = [{ kind: "apply", extraArgs: [] }];

/** `.sluice.yaml` workflows: a missing stage runs the default steps; `steps: []` runs none. */
export function normalizeSluiceWorkflows(input: SluiceConfigInput["workflows"], ctx: NormalizeContext): Record<string, Workflow> {
  const workflows: Record<string, Workflow> = {};
  for (const [name, workflow] of Object.entries(input ?? {})) {
    const stage = (key: "plan" | "apply", defaults: readonly WorkflowStep[]): WorkflowStep[] => {
      const steps = workflow[key];
      if (steps === undefined) return defaults.map(copyStep);
      return (steps.steps ?? []).flatMap((step, i) => {
        const converted = convertStep(step, ["workflows", name, key, "steps", i], ctx);
        return converted === undefined ? [] : [converted];
      });
    };
    workflows[name] = { plan: stage("plan", DEFAULT_PLAN_STEPS), apply: stage("apply", DEFAULT_APPLY_STEPS) };
  }
  return workflows;
}

export function copyStep(step: WorkflowStep): WorkflowStep {
  if (step.kind === "run") return { ...step, argv: [...step.argv], ...(step.env ? { env: { ...step.env } } : {}) };
  if (step.kind === "env") return { ...step };
  return { kind: step.kind, extraArgs: [...step.extraArgs] };
}

function convertStep(step: SluiceStepInput, path: KeyPath, ctx: NormalizeContext): WorkflowStep | undefined {
  if (typeof step === "string") return { kind: step, extraArgs: [] };
  if ("init" in step) return { kind: "init", extraArgs: step.init.extra_args ?? [] };
  if ("plan" in step) return { kind: "plan", extraArgs: step.plan.extra_args ?? [] };
  if ("apply" in step) return { kind: "apply", extraArgs: step.apply.extra_args ?? [] };
  if ("env" in step) return { kind: "env", name: step.env.name, value: step.env.value };
  const run = step.run;
  if (typeof run === "string" || Array.isArray(run)) return runStep(run, undefined, [...path, "run"], ctx);
  return runStep(run.command, run.env, [...path, "run", "command"], ctx);
}

/** A run step from a command line (split, warned about shell syntax) or an argv list (as is). */
export function runStep(
  command: string | string[],
  env: Record<string, string> | undefined,
  path: KeyPath,
  ctx: NormalizeContext,
): WorkflowStep | undefined {
  let argv: string[];
  if (Array.isArray(command)) {
    argv = [...command];
  } else {
    const split = splitCommand(command);
    if (!split.ok) {
      ctx.error(path, split.reason);
      return undefined;
    }
    if (split.shellSyntax !== undefined) {
      ctx.warn(
        `\`${formatPath(path)}\` uses shell syntax (${split.shellSyntax}) that Sluice does not interpret: it runs the command without a shell`,
        path,
      );
    }
    argv = split.argv;
  }
  return env === undefined ? { kind: "run", argv } : { kind: "run", argv, env: { ...env } };
}

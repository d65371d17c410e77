import { isSetForTerraform, SET_FOR_TERRAFORM_REASON } from "../../../runners/child-env.js";
import type { Workflow, WorkflowStep } from "../../model/repo-config.js";
import type { AtlantisConfigInput } from "./atlantis-schema.js";
import { formatPath, type KeyPath, showValue } from "./format-path.js";
import type { NormalizeContext } from "./normalize-context.js";
import { ENV_NAME_PATTERN } from "./sluice-schema.js";
import { copyStep, DEFAULT_APPLY_STEPS, DEFAULT_PLAN_STEPS } from "./sluice-workflows.js";

export const UNSUPPORTED_STAGES: ReadonlySet<string> = new Set(["import", "state_rm", "policy_check"]);
const BUILT_IN = new Set(["init", "plan", "apply"] as const);
export const UNSUPPORTED_STEPS: ReadonlySet<string> = new Set(["import", "state_rm", "policy_check", "version", "multienv"]);
const SHELLS: ReadonlySet<string> = new Set(["sh", "bash"]);

/**
 * Atlantis workflows as Atlantis reads them: a null or missing stage, or a stage whose `steps` is
 * empty or missing (`steps:`), runs the default steps; `steps: []` runs none. Whatever Sluice
 * cannot run the same way is a warning naming the key.
 */
export function normalizeAtlantisWorkflows(input: AtlantisConfigInput["workflows"], ctx: NormalizeContext): Record<string, Workflow> {
  const workflows: Record<string, Workflow> = {};
  for (const [name, workflow] of Object.entries(input ?? {})) {
    const base = ["workflows", name];
    for (const key of Object.keys(workflow ?? {})) {
      if (UNSUPPORTED_STAGES.has(key)) ctx.unsupported([...base, key]);
      else if (key !== "plan" && key !== "apply") unknownKey(ctx, [...base, key]);
    }
    const stage = (key: "plan" | "apply", defaults: readonly WorkflowStep[]): WorkflowStep[] => {
      const raw = workflow?.[key];
      if (raw === null || raw === undefined) return defaults.map(copyStep);
      for (const k of Object.keys(raw)) if (k !== "steps") unknownKey(ctx, [...base, key, k]);
      if (raw.steps === null || raw.steps === undefined) return defaults.map(copyStep);
      return raw.steps.flatMap((step, i) => {
        const converted = convertStep(step, [...base, key, "steps", i], ctx);
        return converted === undefined ? [] : [converted];
      });
    };
    workflows[name] = { plan: stage("plan", DEFAULT_PLAN_STEPS), apply: stage("apply", DEFAULT_APPLY_STEPS) };
  }
  return workflows;
}

export function unknownKey(ctx: NormalizeContext, path: KeyPath): void {
  ctx.warn(`\`${formatPath(path)}\` is not a known atlantis.yaml key and was ignored`, path);
}

const STEP_FORMS = "expected init, plan, apply, run or env";

function convertStep(step: unknown, path: KeyPath, ctx: NormalizeContext): WorkflowStep | undefined {
  if (typeof step === "string") {
    if (isBuiltIn(step)) return { kind: step, extraArgs: [] };
    if (step === "show") {
      ctx.warn(`\`${formatPath(path)}\` (\`show\`) was ignored: Sluice always runs \`show -json\` after a plan`, path);
    } else if (UNSUPPORTED_STEPS.has(step)) {
      ctx.unsupported(path, `\`${step}\` step`);
    } else {
      ctx.error(path, `unknown step ${showValue(step)}; ${STEP_FORMS}`);
    }
    return undefined;
  }
  if (!isRecord(step)) {
    ctx.error(path, `must be a step name or a mapping with one key, got ${showValue(step)}`);
    return undefined;
  }
  const keys = Object.keys(step);
  const [key] = keys;
  if (keys.length !== 1 || key === undefined) {
    ctx.error(path, `a step must have exactly one key, got ${keys.length === 0 ? "none" : keys.join(", ")}`);
    return undefined;
  }
  const value = step[key];
  const at = [...path, key];
  if (isBuiltIn(key)) return builtInStep(key, value, at, ctx);
  if (key === "run") return atlantisRunStep(value, at, ctx);
  if (key === "env") return envStep(value, at, ctx);
  if (key === "show") {
    ctx.warn(`\`${formatPath(at)}\` was ignored: Sluice always runs \`show -json\` after a plan`, at);
  } else if (UNSUPPORTED_STEPS.has(key)) {
    ctx.unsupported(at, `\`${key}\` step`);
  } else {
    ctx.error(at, `unknown step ${showValue(key)}; ${STEP_FORMS}`);
  }
  return undefined;
}

function builtInStep(kind: "init" | "plan" | "apply", value: unknown, path: KeyPath, ctx: NormalizeContext) {
  if (value === null || value === undefined) return { kind, extraArgs: [] };
  if (!isRecord(value)) {
    ctx.error(path, `must be a mapping with extra_args, got ${showValue(value)}`);
    return undefined;
  }
  for (const k of Object.keys(value)) if (k !== "extra_args") unknownKey(ctx, [...path, k]);
  const args = stringList(value.extra_args, [...path, "extra_args"], ctx);
  return args === undefined ? undefined : { kind, extraArgs: args };
}

/**
 * Atlantis runs `run` with `sh -c` (or the step's `shell` and `shellArgs`): so does Sluice, inside
 * the sandbox, with Atlantis' step variables ($PLANFILE, $WORKSPACE, …) in the environment.
 */
function atlantisRunStep(value: unknown, path: KeyPath, ctx: NormalizeContext): WorkflowStep | undefined {
  if (typeof value === "string") return shellStep(value, "sh", ["-c"], path, ctx);
  if (!isRecord(value)) {
    ctx.error(path, `must be a command line or a mapping with command, got ${showValue(value)}`);
    return undefined;
  }
  for (const k of Object.keys(value)) {
    if (!["command", "shell", "shellArgs", "output"].includes(k)) unknownKey(ctx, [...path, k]);
  }
  const { command, shell, shellArgs, output } = value;
  if (typeof command !== "string") {
    const message = command === undefined ? "is required" : `must be a string, got ${showValue(command)}`;
    ctx.error([...path, "command"], message);
    return undefined;
  }
  let shellName = "sh";
  let ownShell = true;
  if (shell !== undefined && shell !== null) {
    ownShell = typeof shell === "string" && SHELLS.has(shell);
    if (ownShell) shellName = shell as string;
    else ctx.unsupported([...path, "shell"], `${showValue(shell)}: Sluice runs \`sh\` or \`bash\`; this step runs with \`sh -c\``);
  }
  let args = ["-c"];
  if (!ownShell) {
    if (shellArgs !== undefined && shellArgs !== null)
      ctx.unsupported([...path, "shellArgs"], "they belong to the shell Sluice does not run");
  } else if (Array.isArray(shellArgs) && shellArgs.every((a) => typeof a === "string")) args = shellArgs as string[];
  else if (typeof shellArgs === "string") args = shellArgs.split(/\s+/).filter((a) => a !== "");
  else if (shellArgs !== undefined && shellArgs !== null)
    ctx.error([...path, "shellArgs"], `must be a string or a list of strings, got ${showValue(shellArgs)}`);
  if (output !== undefined && output !== null && output !== "show") {
    ctx.unsupported([...path, "output"], "output is always shown, redacted");
  }
  return shellStep(command, shellName, args, [...path, "command"], ctx);
}

function shellStep(command: string, shell: string, shellArgs: string[], path: KeyPath, ctx: NormalizeContext): WorkflowStep | undefined {
  if (command.trim() === "") {
    ctx.error(path, "must not be empty");
    return undefined;
  }
  return { kind: "run", argv: [shell, ...shellArgs, command], shell: true };
}

function envStep(value: unknown, path: KeyPath, ctx: NormalizeContext): WorkflowStep | undefined {
  if (!isRecord(value)) {
    ctx.error(path, `must be a mapping with name and value, got ${showValue(value)}`);
    return undefined;
  }
  for (const k of Object.keys(value)) {
    if (!["name", "value", "command", "shell", "shellArgs"].includes(k)) unknownKey(ctx, [...path, k]);
  }
  const { name, command } = value;
  if (typeof name !== "string" || !ENV_NAME_PATTERN.test(name)) {
    const got = name === undefined ? "is required" : `must be an environment variable name, got ${showValue(name)}`;
    ctx.error([...path, "name"], got);
    return undefined;
  }
  if (isSetForTerraform(name)) {
    ctx.error([...path, "name"], `${name} ${SET_FOR_TERRAFORM_REASON}`);
    return undefined;
  }
  if (command !== undefined && value.value !== undefined) {
    ctx.error(path, "value and command cannot both be set");
    return undefined;
  }
  if (command !== undefined) {
    ctx.unsupported([...path, "command"], "Sluice sets an env step from its `value` only; the env step was skipped");
    return undefined;
  }
  // Go decodes `value:` with nothing after it as the empty string.
  const text = value.value === null ? "" : scalarText(value.value, [...path, "value"], ctx);
  if (text === undefined) {
    const message = value.value === undefined ? "is required" : `must be a string, got ${showValue(value.value)}`;
    ctx.error([...path, "value"], message);
    return undefined;
  }
  return { kind: "env", name, value: text };
}

/** A scalar as Go would decode it into a string: its text as written (`1.10` stays `1.10`). */
export function scalarText(value: unknown, path: KeyPath, ctx: NormalizeContext): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return ctx.locator.source(path) ?? String(value);
  return undefined;
}

function stringList(value: unknown, path: KeyPath, ctx: NormalizeContext): string[] | undefined {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) {
    ctx.error(path, `must be a list, got ${showValue(value)}`);
    return undefined;
  }
  const out: string[] = [];
  for (const [i, item] of value.entries()) {
    const text = scalarText(item, [...path, i], ctx);
    if (text === undefined) {
      ctx.error([...path, i], `must be a string, got ${showValue(item)}`);
      return undefined;
    }
    out.push(text);
  }
  return out;
}

function isBuiltIn(name: string): name is "init" | "plan" | "apply" {
  return BUILT_IN.has(name as "init");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

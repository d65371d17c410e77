import type { StateOperation } from "../runner.js";

/** argv builders for terraform / tofu: pure, so the exact command lines are unit-tested. */

export function initArgv(): string[] {
  return ["init", "-input=false", "-no-color"];
}

export function planArgv(planFile: string, extraArgs: readonly string[]): string[] {
  return ["plan", "-input=false", "-no-color", `-out=${planFile}`, ...extraArgs];
}

export function showJsonArgv(planFile: string): string[] {
  return ["show", "-json", "-no-color", planFile];
}

/** `import` / `state rm`; addresses and ids never start with `-` (the comment parser refuses them). */
export function stateArgv(op: StateOperation): string[] {
  if (op.kind === "import") return ["import", "-input=false", "-no-color", op.address, op.id];
  if (op.kind === "push") return ["state", "push", op.file];
  return ["state", "rm", ...op.addresses];
}

export function applyArgv(planFile: string): string[] {
  return ["apply", "-input=false", "-no-color", planFile];
}

/** The binary for a runner kind, unless the project or server config names another. */
export function terraformBinary(kind: "terraform" | "opentofu", configured?: string): string {
  if (configured) return configured;
  return kind === "opentofu" ? "tofu" : "terraform";
}

/**
 * Environment terraform always gets: no prompts, no update checks, automation-friendly text.
 * TF_WORKSPACE selects (and with the local backend creates) the workspace without a separate step.
 */
export function terraformEnv(dataDir: string, workspace: string): Record<string, string> {
  return {
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    TF_DATA_DIR: `${dataDir}/.terraform`,
    ...(workspace === "default" ? {} : { TF_WORKSPACE: workspace }),
  };
}

/**
 * argv builders for terragrunt, after its current CLI (0.73 and later, 1.x): flags without the
 * old `terragrunt-` prefix, a shortcut command (`plan`, `show`, `apply`) passing Terraform's own
 * flags through. Pure, so the exact command lines are unit-tested.
 */

export interface TerragruntFlags {
  /** The Terraform (or OpenTofu) binary terragrunt runs (`--tf-path`). */
  tfPath: string;
  /** Where terragrunt copies the unit's source (`--download-dir`): Sluice's scratch dir, never the checkout. */
  downloadDir: string;
}

function globalFlags(flags: TerragruntFlags): string[] {
  // --tf-forward-stdout: Terraform's output as Terraform printed it, not as terragrunt's log lines
  // (each prefixed with a time and the stream): what Sluice reads (`show -json`, `state pull`) and
  // what it withholds (a state printed whole) are recognised only so.
  return ["--non-interactive", "--tf-forward-stdout", "--tf-path", flags.tfPath, "--download-dir", flags.downloadDir];
}

export function terragruntPlanArgv(flags: TerragruntFlags, planFile: string, extraArgs: readonly string[]): string[] {
  return ["plan", ...globalFlags(flags), "-input=false", "-no-color", `-out=${planFile}`, ...extraArgs];
}

export function terragruntShowJsonArgv(flags: TerragruntFlags, planFile: string): string[] {
  return ["show", ...globalFlags(flags), "-json", "-no-color", planFile];
}

export function terragruntApplyArgv(flags: TerragruntFlags, planFile: string): string[] {
  return ["apply", ...globalFlags(flags), "-input=false", "-no-color", planFile];
}

/** The unit's state read through its backend: `run` passes a Terraform command through (0.73+). */
export function terragruntStatePullArgv(flags: TerragruntFlags): string[] {
  return ["run", ...globalFlags(flags), "--", "state", "pull"];
}

/** A state file pushed into the unit's backend (a state Sluice kept when the backend refused it). */
export function terragruntStatePushArgv(flags: TerragruntFlags, file: string): string[] {
  return ["run", ...globalFlags(flags), "--", "state", "push", file];
}

/**
 * The same settings as environment variables (`TG_` prefix), for what terragrunt starts on its
 * own (a dependency's `output`), and Terraform's automation settings, passed on by terragrunt. No
 * TF_DATA_DIR: terragrunt runs Terraform in each unit's (and each dependency's) own copy, under
 * the download dir.
 */
export function terragruntEnv(flags: TerragruntFlags): Record<string, string> {
  return {
    TG_NON_INTERACTIVE: "true",
    TG_TF_PATH: flags.tfPath,
    TG_DOWNLOAD_DIR: flags.downloadDir,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
  };
}

import { join } from "node:path";
import type { Exec, Runner, StateOutcome, StateRequest } from "../runner.js";
import { describeStepFailure } from "../terraform/describe-step-failure.js";
import type { TerragruntFlags } from "./terragrunt-argv.js";
import { terragruntApply } from "./terragrunt-apply.js";
import { terragruntPlan } from "./terragrunt-plan.js";
import { terragruntState } from "./terragrunt-state.js";

export interface TerragruntRunnerOptions {
  /** Server setting `terragrunt_binary`; default `terragrunt` on PATH. */
  binary?: string;
  /** The Terraform binary terragrunt runs (server `terraform_binary`); a project's `terraform_binary` wins. */
  terraformBinary?: string;
}

/**
 * Terragrunt units: `terragrunt plan -out`, `show -json` of that plan (summarized as Terraform's
 * are), `apply` of exactly that file; each a run of its own in the sandbox, like every tool run.
 * Terragrunt copies the unit's source into the project's private scratch dir (`--download-dir`),
 * never into the checkout. Custom workflows are Terraform's: a terragrunt project runs the default.
 */
export function createTerragruntRunner(opts: TerragruntRunnerOptions = {}): Runner {
  const bin = opts.binary ?? "terragrunt";
  const flagsFor = (dataDir: string, tfPath?: string): TerragruntFlags => ({
    tfPath: tfPath ?? opts.terraformBinary ?? "terraform",
    downloadDir: join(dataDir, "terragrunt-cache"),
  });

  return {
    kind: "terragrunt",
    // A held unit's way out: the push of the state Sluice kept (import and rm are not built for units).
    stateOperations: ["push"],
    state: (req: StateRequest, exec: Exec): Promise<StateOutcome> =>
      terragruntState(req, exec, bin, flagsFor(req.dataDir, req.binary), (step, r) => describeStepFailure(bin, step, r, req.timeoutMs)),
    plan: (req, exec) => terragruntPlan(req, exec, bin, flagsFor(req.dataDir, req.binary)),
    apply: (req, exec) => terragruntApply(req, exec, bin, flagsFor(req.dataDir, req.binary)),
  };
}

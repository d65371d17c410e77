// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform (HCL) text
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import type { ApplyRequest, PlanRequest } from "../../runners/runner.js";
import type { Project } from "../../src/model/project.js";
import { applyPriorState } from "./prior-state-secret.js";

/** The terragrunt stand-in of the fixtures (it runs the real terraform). */
export const TERRAGRUNT_STAND_IN = fileURLToPath(new URL("../fixtures/terragrunt-stand-in/terragrunt", import.meta.url));

/**
 * A scratch dir for terragrunt units, made before a test file's tests and removed after them: its
 * checkout, and the environment terraform runs with there (an empty CLI config, no checkpoint).
 */
export function useTerragruntScratch(prefix: string) {
  const made = {
    root: "",
    checkout: "",
    env: (): Record<string, string> => ({
      TF_CLI_CONFIG_FILE: join(made.root, "terraform.rc"),
      PATH: process.env.PATH ?? "",
      CHECKPOINT_DISABLE: "1",
    }),
    /** The request of a plan of the unit at `dir`, its data dir `dataDir` under the scratch dir, unredacted. */
    planRequest: (dir: string, dataDir: string): Omit<PlanRequest, "onOutput"> => ({
      project: terragruntUnit(dir),
      checkoutDir: made.checkout,
      dataDir: join(made.root, dataDir),
      extraArgs: [],
      env: made.env(),
      timeoutMs: 60_000,
      redact: (s: string) => s,
    }),
    /** The request of the apply of that plan (its plan file where the plan left it), unredacted. */
    applyRequest: (dir: string, dataDir: string): ApplyRequest => ({
      project: terragruntUnit(dir),
      checkoutDir: made.checkout,
      dataDir: join(made.root, dataDir),
      planFile: join(made.root, dataDir, "plan.tfplan"),
      env: made.env(),
      timeoutMs: 60_000,
      redactWith: () => (s) => s,
    }),
  };
  beforeAll(async () => {
    made.root = await mkdtemp(join(tmpdir(), prefix));
    made.checkout = join(made.root, "checkout");
    await writeFile(join(made.root, "terraform.rc"), "");
  });
  afterAll(async () => {
    if (made.root) await rm(made.root, { recursive: true, force: true });
  });
  return made;
}

export const terragruntUnit = (dir: string): Project => ({ name: dir, dir, workspace: "default", runner: "terragrunt" });

/**
 * The vault module: a sensitive `password` that a terraform_data holds (terraform prints it
 * unmarked as the resource's old `output`), its state at `statePath`; `extra` HCL blocks after.
 */
export const vaultModule = (statePath: string, extra: string[] = []) =>
  `${[
    'variable "password" {\n  type      = string\n  sensitive = true\n}',
    'variable "trigger" {\n  type = string\n}',
    `terraform {\n  backend "local" {\n    path = "${statePath}"\n  }\n}`,
    'resource "terraform_data" "pw" {\n  input            = var.password\n  triggers_replace = var.trigger\n}',
    ...extra,
  ].join("\n")}\n`;

/** Applies the vault module in `cwd` with `secret` as its password: the state holds it, the checkout does not. */
export const applyVaultSecret = (cwd: string, env: Record<string, string>, secret: string) =>
  applyPriorState(cwd, { ...env, TF_VAR_password: secret, TF_VAR_trigger: "1" });

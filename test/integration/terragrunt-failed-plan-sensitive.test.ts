// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terragrunt and Terraform (HCL) text
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyPriorState, writeFiles } from "../support/prior-state-secret.js";
import { exec } from "../../runners/exec.js";
import { createTerragruntRunner } from "../../runners/terragrunt/terragrunt-runner.js";
import type { Project } from "../../src/model/project.js";

/**
 * A unit's plan refused after it ran (where its state lives cannot be told: a copy deeper than the
 * walk) returned the plan's text as it was: terraform prints some sensitive values unmarked (a
 * terraform_data's `output` echoing a sensitive `input`, from the prior state), known only from the
 * plan's JSON. The project runner adds them to the job's secrets only for a plan that succeeded, so
 * the refused plan's output, posted on the PR, held them in clear.
 */
const STAND_IN = fileURLToPath(new URL("../fixtures/terragrunt-stand-in/terragrunt", import.meta.url));
const SECRET = "prior-state-secret-9b3e71";
// Deeper than the walk of the download dir goes (16 levels).
const deepSub = "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p";

const unitHcl = (source: string) => `terraform {\n  source = "${source}"\n}\ninputs = {\n  password = "rotated"\n  trigger = "2"\n}\n`;

let root = "";
let checkout = "";
let cliConfig = "";
const tfEnv = () => ({ TF_CLI_CONFIG_FILE: cliConfig, PATH: process.env.PATH ?? "", CHECKPOINT_DISABLE: "1" });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-tg-failed-sensitive-"));
  checkout = join(root, "checkout");
  cliConfig = join(root, "terraform.rc");
  await writeFile(cliConfig, "");
  const main = [
    'variable "password" {\n  type      = string\n  sensitive = true\n}',
    'variable "trigger" {\n  type = string\n}',
    `terraform {\n  backend "local" {\n    path = "${join(root, "vault.tfstate")}"\n  }\n}`,
    'resource "terraform_data" "pw" {\n  input            = var.password\n  triggers_replace = var.trigger\n}\n',
  ].join("\n");
  const files: Record<string, string> = {
    "modules/vault/main.tf": main,
    // The unit the PR leaves alone: one copy, where the walk finds it.
    "live/shallow/terragrunt.hcl":
      'terraform {\n  source = "../../modules//vault"\n}\ninputs = {\n  password = "rotated"\n  trigger = "2"\n}\n',
  };
  await writeFiles(checkout, files);
  // The state as an earlier apply left it: the secret is in it, no longer in the checkout.
  const cwd = join(checkout, "modules/vault");
  const env = { ...tfEnv(), TF_VAR_password: SECRET, TF_VAR_trigger: "1" };
  await applyPriorState(cwd, env);
  // The PR: the same module in a tree with a directory deeper than the walk, and a unit on it.
  await mkdir(join(checkout, "pr/vault"), { recursive: true });
  await writeFile(join(checkout, "pr/vault/main.tf"), main);
  await mkdir(join(checkout, "pr/pad", deepSub), { recursive: true });
  await writeFile(join(checkout, "pr/pad", deepSub, "x"), "");
  await mkdir(join(checkout, "live/deep"), { recursive: true });
  await writeFile(join(checkout, "live/deep/terragrunt.hcl"), unitHcl("../../pr//vault"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const unit = (dir: string): Project => ({ name: dir, dir, workspace: "default", runner: "terragrunt" });

describe("a unit's plan refused after it ran: its output knows the plan's sensitive values", () => {
  const runner = createTerragruntRunner({ binary: STAND_IN });
  const planOf = (dir: string, dataDir: string) =>
    runner.plan(
      {
        project: unit(dir),
        checkoutDir: checkout,
        dataDir: join(root, dataDir),
        extraArgs: [],
        env: tfEnv(),
        timeoutMs: 60_000,
        redact: (s) => s,
      },
      exec,
    );

  it("control: the plan succeeds, terraform prints the prior state's secret, and the plan marks it sensitive (the job redacts it)", async () => {
    const plan = await planOf("live/shallow", "data-shallow");
    if (!plan.ok) throw new Error(`${plan.message}\n${plan.output}`);
    expect(plan.summary.sensitiveValues).toContain(SECRET);
    expect(plan.output).toContain(SECRET);
  });

  it("refused for its state's place after the plan ran: the output it returns holds no sensitive value", async () => {
    const plan = await planOf("live/deep", "data-deep");
    expect(plan).toMatchObject({ ok: false, failedStep: "state" });
    if (plan.ok) return;
    expect(plan.message).toMatch(/could not find/);
    expect(plan.output).toContain("terraform_data.pw");
    expect(plan.output).not.toContain(SECRET);
  });
});

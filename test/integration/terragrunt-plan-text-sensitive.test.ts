import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { planStreaming, TERRAFORM_SHOW_FAILS, writeFiles, writeStandIns } from "../support/prior-state-secret.js";
import { applyVaultSecret, TERRAGRUNT_STAND_IN, useTerragruntScratch, vaultModule } from "../support/terragrunt-prior-state.js";
import { exec } from "../../runners/exec.js";
import { createTerragruntRunner } from "../../runners/terragrunt/terragrunt-runner.js";

/**
 * A unit's plan text leaves (the live log, the comment) only redacted with the values the plan
 * marks sensitive: terraform prints some unmarked (a prior state's terraform_data `output`), and
 * they are known only from the plan's JSON. A unit whose `show` failed released its plan's text to
 * the live log knowing none of them. The show's failure is forced by a stand-in that is the real
 * terraform but for `show`, which fails as terraform's does (an error on stderr, exit code 1).
 */
const SECRET = "prior-state-secret-c81d5f";

/** The real terraform, whose plan is written elsewhere, as a unit's `extra_arguments` adding `-out` makes it. */
const OUT_ELSEWHERE = `#!/bin/sh
if [ "$1" = plan ]; then exec terraform "$@" -out=elsewhere.tfplan; fi
exec terraform "$@"
`;

const scratch = useTerragruntScratch("sluice-tg-plan-text-");
let showFails = "";
let outElsewhere = "";

beforeAll(async () => {
  const { root, checkout } = scratch;
  ({ "terraform-show-fails": showFails, "terraform-out-elsewhere": outElsewhere } = await writeStandIns(root, {
    "terraform-show-fails": TERRAFORM_SHOW_FAILS,
    "terraform-out-elsewhere": OUT_ELSEWHERE,
  }));
  const main = vaultModule(join(root, "vault.tfstate"), [
    'variable "size" {\n  type    = number\n  default = 1\n}',
    // Fails the plan after terraform planned pw (a precondition on a value known at plan).
    'resource "terraform_data" "sized" {\n  input = var.size\n  lifecycle {\n    precondition {\n      condition     = var.size < 10\n      error_message = "size must be under 10"\n    }\n  }\n}',
  ]);
  const unit = (size: number) =>
    `terraform {\n  source = "../../modules//vault"\n}\ninputs = {\n  password = "rotated"\n  trigger = "2"\n  size = ${size}\n}\n`;
  await writeFiles(checkout, {
    "modules/vault/main.tf": main,
    "live/vault/terragrunt.hcl": unit(1),
    "live/too-big/terragrunt.hcl": unit(20),
  });
  // The state as an earlier apply left it: the secret is in it, no longer in the checkout.
  await applyVaultSecret(join(checkout, "modules/vault"), scratch.env(), SECRET);
});

function planOf(dir: string, dataDir: string, terraformBinary = "terraform") {
  return planStreaming(createTerragruntRunner({ binary: TERRAGRUNT_STAND_IN, terraformBinary }), scratch.planRequest(dir, dataDir), exec);
}

describe("a unit's plan text leaves only redacted with the plan's sensitive values", () => {
  it("control: the plan succeeds, terraform prints the prior state's secret, the live log has it redacted", async () => {
    const { outcome, streamed } = await planOf("live/vault", "data-control");
    if (!outcome.ok) throw new Error(`${outcome.message}\n${outcome.output}`);
    expect(outcome.summary.sensitiveValues).toContain(SECRET);
    expect(outcome.output).toContain(SECRET);
    expect(streamed).toContain("Plan: 1 to add, 0 to change, 1 to destroy");
    expect(streamed).toContain("[redacted]");
    expect(streamed).not.toContain(SECRET);
  });

  it("show fails: the live log withholds the plan's text and says why; the failure holds no sensitive value", async () => {
    const { outcome, streamed } = await planOf("live/vault", "data-show-fails", showFails);
    expect(outcome).toMatchObject({ ok: false, failedStep: "show" });
    if (outcome.ok) return;
    // The attack: the plan's text, and the prior state's secret in it, went to the live log.
    expect(streamed).not.toContain(SECRET);
    expect(streamed).not.toContain("terraform_data.pw");
    expect(streamed).toMatch(/plan's output is withheld/);
    expect(outcome.message).toMatch(/show exited with code 1\. The plan's output is withheld/);
    expect(`${outcome.message}${outcome.output}`).not.toContain(SECRET);
  });

  it("the plan fails after terraform planned (a precondition): the live log and the failure's output have its text redacted", async () => {
    const { outcome, streamed } = await planOf("live/too-big", "data-too-big");
    expect(outcome).toMatchObject({ ok: false, failedStep: "plan" });
    if (outcome.ok) return;
    // Terraform prints what it planned before the error, the prior state's secret among it.
    expect(outcome.output).toContain("planned the following actions, but then encountered a problem");
    expect(outcome.output).toContain("size must be under 10");
    // The attack: the comment and the live log had it in clear.
    expect(outcome.output).not.toContain(SECRET);
    expect(streamed).not.toContain(SECRET);
    expect(outcome.output).toContain("[redacted]");
    expect(streamed).toContain("terraform_data.pw must be replaced");
    expect(streamed).toContain("size must be under 10");
  });

  it("the plan fails and the errored plan file it left cannot be shown: its text is withheld, saying why", async () => {
    const { outcome, streamed } = await planOf("live/too-big", "data-too-big-show-fails", showFails);
    expect(outcome).toMatchObject({ ok: false, failedStep: "plan" });
    if (outcome.ok) return;
    // The attack: with none of the plan's sensitive values known, the text went out as printed.
    expect(outcome.output).not.toContain(SECRET);
    expect(streamed).not.toContain(SECRET);
    expect(streamed).not.toContain("terraform_data.pw must be replaced");
    expect(streamed).toMatch(/plan's output is withheld/);
    expect(outcome.message).toMatch(/plan exited with code 1\. The plan's output is withheld/);
  });

  it("the plan is written elsewhere, none where Sluice reads it: its text is withheld, saying why", async () => {
    const { outcome, streamed } = await planOf("live/vault", "data-elsewhere", outElsewhere);
    expect(outcome).toMatchObject({ ok: false, failedStep: "plan" });
    if (outcome.ok) return;
    // The attack: the whole plan, the prior state's secret in it, in the comment and the live log.
    expect(outcome.output).not.toContain(SECRET);
    expect(streamed).not.toContain(SECRET);
    expect(outcome.message).toMatch(/plan made no plan file\. The plan's output is withheld/);
    expect(streamed).toMatch(/plan's output is withheld/);
  });
});

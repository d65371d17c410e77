import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { planVaultInSandbox, priorStateCheckout, TERRAFORM_SHOW_FAILS, writeStandIns } from "../support/prior-state-secret.js";
import { useTerraformSandbox } from "../support/terraform-sandbox.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Workflow } from "../../src/model/repo-config.js";

/**
 * A plan that fails after terraform planned (a precondition that does not hold) still prints what
 * it planned ("Terraform planned the following actions, but then encountered a problem"), a prior
 * state's terraform_data `output` in clear among it, and leaves an errored plan file whose JSON
 * tells the plan's sensitive values. The failure's output (the comment) was redacted with them;
 * the live log (the job log, the console) got the text at once, with none of them.
 */
const scratch = useTerraformSandbox("sluice-tf-failed-plan-live-");
const SECRET = "prior-state-secret-5e93c0";

/** The real terraform, but a plan that hangs once it has printed and written its plan (a provider that never exits). */
const PLAN_HANGS = `#!/bin/sh
if [ "$1" = plan ]; then terraform "$@"; sleep 120; exit 0; fi
exec terraform "$@"
`;
/** The real terraform, but a plan that succeeds leaves no plan file (as one written elsewhere would). */
const PLAN_FILE_GONE = `#!/bin/sh
if [ "$1" = plan ]; then
  terraform "$@" || exit $?
  for a in "$@"; do case "$a" in -out=*) rm -f "\${a#-out=}" ;; esac; done
  exit 0
fi
exec terraform "$@"
`;
let binDir = "";
beforeAll(async () => {
  binDir = join(scratch.root, "bin");
  await writeStandIns(binDir, {
    "terraform-plan-hangs": PLAN_HANGS,
    "terraform-plan-file-gone": PLAN_FILE_GONE,
    "terraform-show-fails": TERRAFORM_SHOW_FAILS,
  });
});

const tf = (trigger: string, input: string, size: number) => `terraform {
  backend "local" {
    path = "../state/terraform.tfstate"
  }
}
variable "size" {
  type    = number
  default = ${size}
}
resource "terraform_data" "pw" {
  input            = sensitive(${input})
  triggers_replace = "${trigger}"
}
resource "terraform_data" "sized" {
  input = var.size
  lifecycle {
    precondition {
      condition     = var.size < 10
      error_message = "size must be under 10"
    }
  }
}
`;

/** A plan of size `size` after an apply whose state holds SECRET in a terraform_data. */
async function planAfterApply(
  name: string,
  size: number,
  workflow?: Workflow,
  runner = createTerraformRunner("terraform"),
  timeoutMs = 60_000,
) {
  const where = await priorStateCheckout(scratch.root, name, {
    applied: { "vault/main.tf": tf("1", JSON.stringify(SECRET), 1) },
    planned: { "vault/main.tf": tf("2", '"rotated-away"', size) },
  });
  return planVaultInSandbox(scratch.sandbox, runner, where, { readable: [binDir], timeoutMs, ...(workflow ? { workflow } : {}) });
}

describe("a plan that fails after terraform planned: its text leaves only redacted with the plan's sensitive values", () => {
  it("the default workflow: the live log has what terraform planned, the prior state's secret redacted, as the failure's output does", async () => {
    const { outcome, streamed } = await planAfterApply("batched", 20);
    expect(outcome).toMatchObject({ ok: false, failedStep: "plan" });
    if (outcome.ok) return;
    // Terraform does print what it planned, the secret among it.
    expect(outcome.output).toContain("planned the following actions, but then encountered a problem");
    expect(outcome.output).toContain("size must be under 10");
    expect(outcome.output).not.toContain(SECRET);
    // The attack: the live log had it in clear.
    expect(streamed).not.toContain(SECRET);
    expect(streamed).toContain("terraform_data.pw must be replaced");
    expect(streamed).toContain("[redacted]");
    expect(streamed).toContain("size must be under 10");
  });

  it("a custom workflow's plan step: the same", async () => {
    const { outcome, streamed } = await planAfterApply("custom", 20, {
      plan: [
        { kind: "init", extraArgs: [] },
        { kind: "plan", extraArgs: [] },
      ],
      apply: [],
    });
    expect(outcome).toMatchObject({ ok: false, failedStep: "plan" });
    if (outcome.ok) return;
    expect(outcome.output).not.toContain(SECRET);
    expect(streamed).not.toContain(SECRET);
    expect(streamed).toContain("terraform_data.pw must be replaced");
    expect(streamed).toContain("size must be under 10");
  });

  it("the default workflow, the run stopped by its timeout after the plan printed and wrote its file: the same", async () => {
    const hangs = createTerraformRunner("terraform", { binary: join(binDir, "terraform-plan-hangs") });
    const { outcome, streamed } = await planAfterApply("timed-out", 2, undefined, hangs, 4_000);
    expect(outcome).toMatchObject({ ok: false, failedStep: "plan" });
    if (outcome.ok) return;
    expect(outcome.message).toMatch(/timed out/);
    expect(outcome.output).toContain("terraform_data.pw must be replaced");
    expect(outcome.output).not.toContain(SECRET);
    expect(streamed).not.toContain(SECRET);
    expect(streamed).toContain("terraform_data.pw must be replaced");
    expect(streamed).toContain("[redacted]");
  }, 60_000);

  it("the plan fails and the errored plan file it left cannot be shown: its text is withheld, saying why", async () => {
    const showFails = createTerraformRunner("terraform", { binary: join(binDir, "terraform-show-fails") });
    const { outcome, streamed } = await planAfterApply("show-fails", 20, undefined, showFails);
    expect(outcome).toMatchObject({ ok: false, failedStep: "plan" });
    if (outcome.ok) return;
    // The attack: with none of the plan's sensitive values known, the text went out as printed.
    expect(outcome.output).not.toContain(SECRET);
    expect(streamed).not.toContain(SECRET);
    expect(streamed).not.toContain("terraform_data.pw must be replaced");
    expect(streamed).toMatch(/plan's output is withheld/);
    expect(outcome.message).toMatch(/plan exited with code 1\. The plan's output is withheld/);
  });

  it("control: a plan whose precondition holds succeeds, its text streamed redacted", async () => {
    const { outcome, streamed } = await planAfterApply("control", 2);
    expect(outcome).toMatchObject({ ok: true });
    if (!outcome.ok) return;
    expect(outcome.summary.sensitiveValues).toContain(SECRET);
    expect(streamed).toContain("terraform_data.pw must be replaced");
    expect(streamed).toContain("[redacted]");
    expect(streamed).not.toContain(SECRET);
  });
});

describe("a custom workflow that leaves no plan file where Sluice reads it: what its steps printed has unknown sensitive values", () => {
  it("a plan step writing its plan elsewhere (`-out` in its extra_args): the plan's text is withheld, saying why", async () => {
    const { outcome, streamed } = await planAfterApply("elsewhere", 2, {
      plan: [
        { kind: "init", extraArgs: [] },
        { kind: "plan", extraArgs: ["-out=elsewhere.tfplan"] },
      ],
      apply: [],
    });
    expect(outcome).toMatchObject({ ok: false, failedStep: "plan" });
    if (outcome.ok) return;
    expect(outcome.message).toMatch(/^the workflow made no plan file/);
    // The attack: the whole plan, the prior state's secret in it, in the comment and the live log.
    expect(outcome.output).not.toContain(SECRET);
    expect(streamed).not.toContain(SECRET);
    expect(streamed).toMatch(/plan's output is withheld/);
    expect(outcome.message).toMatch(/plan's output is withheld/);
  });

  it("the default workflow (one run): a plan that succeeds with no plan file left: the same", async () => {
    const gone = createTerraformRunner("terraform", { binary: join(binDir, "terraform-plan-file-gone") });
    const { outcome, streamed } = await planAfterApply("file-gone", 2, undefined, gone);
    expect(outcome).toMatchObject({ ok: false, failedStep: "plan" });
    if (outcome.ok) return;
    // The attack: the whole plan, the prior state's secret in it, in the comment and the live log.
    expect(outcome.output).not.toContain(SECRET);
    expect(streamed).not.toContain(SECRET);
    expect(outcome.message).toMatch(/^the plan step made no plan file\. The plan's output is withheld/);
    expect(streamed).toMatch(/plan's output is withheld/);
  });

  it("control: a run step that writes the plan to $PLANFILE plans, its text streamed redacted", async () => {
    const { outcome, streamed } = await planAfterApply("run-step", 2, {
      plan: [
        { kind: "init", extraArgs: [] },
        { kind: "run", argv: ["sh", "-c", 'terraform plan -input=false -no-color -out="$PLANFILE"'] },
      ],
      apply: [],
    });
    expect(outcome).toMatchObject({ ok: true });
    if (!outcome.ok) return;
    expect(streamed).toContain("terraform_data.pw must be replaced");
    expect(streamed).toContain("[redacted]");
    expect(streamed).not.toContain(SECRET);
    expect(streamed).not.toMatch(/withheld/);
  });
});

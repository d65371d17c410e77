import { describe, expect, it } from "vitest";
import { planVaultInSandbox, priorStateCheckout } from "../support/prior-state-secret.js";
import { useTerraformSandbox } from "../support/terraform-sandbox.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Workflow } from "../../src/model/repo-config.js";

/**
 * A plan's live output (the console's job log, stored as it streams) is redacted with the values
 * the plan marks sensitive, like the comment. Terraform prints some of them unmarked in its text
 * plan (terraform_data's `output` echoes a sensitive `input`), and Sluice learns them only from
 * `show -json`, after the plan printed them: streamed at once, they were stored in clear.
 */
const scratch = useTerraformSandbox("sluice-tf-live-sensitive-");
const SECRET = "prior-state-secret-4f1c9e";

/** A state whose terraform_data holds a sensitive input (as a provider's secret attribute would be). */
const tf = (trigger: string) => `terraform {
  backend "local" {
    path = "../state/terraform.tfstate"
  }
}
resource "terraform_data" "pw" {
  input            = sensitive(file("\${path.module}/../secret.txt"))
  triggers_replace = "${trigger}"
}
`;

async function planAfterApply(name: string, workflow?: Workflow) {
  const where = await priorStateCheckout(scratch.root, name, {
    applied: { "secret.txt": SECRET, "vault/main.tf": tf("1") },
    planned: { "secret.txt": "rotated-away", "vault/main.tf": tf("2").replace(/sensitive\(file\([^\n]*\)\)/, 'sensitive("rotated-away")') },
  });
  return planVaultInSandbox(scratch.sandbox, createTerraformRunner("terraform"), where, workflow ? { workflow } : {});
}

describe("a plan's live output knows the plan's sensitive values", () => {
  it("the default workflow: terraform prints the prior state's secret unmarked; the live log has it redacted, as the comment will", async () => {
    const { outcome, streamed } = await planAfterApply("default");
    expect(outcome).toMatchObject({ ok: true });
    if (!outcome.ok) return;
    // Control: the plan marks it sensitive, and terraform does print it (the output attribute's old value).
    expect(outcome.summary.sensitiveValues).toContain(SECRET);
    expect(outcome.output).toContain(SECRET);
    // The attack: the live log streamed it before Sluice knew it was a secret.
    expect(streamed).toContain("terraform_data.pw");
    expect(streamed).toContain("Plan: 1 to add, 0 to change, 1 to destroy");
    expect(streamed).not.toContain(SECRET);
    expect(streamed).toContain("[redacted]");
  });

  it("a custom workflow's plan step: the same", async () => {
    const { outcome, streamed } = await planAfterApply("custom", {
      plan: [
        { kind: "init", extraArgs: [] },
        { kind: "plan", extraArgs: [] },
      ],
      apply: [],
    });
    expect(outcome).toMatchObject({ ok: true });
    if (!outcome.ok) return;
    expect(outcome.summary.sensitiveValues).toContain(SECRET);
    expect(streamed).toContain("Plan: 1 to add, 0 to change, 1 to destroy");
    expect(streamed).not.toContain(SECRET);
    expect(streamed).toContain("[redacted]");
  });

  it("a custom workflow whose step after the plan fails: the live log and the failure's output hold no sensitive value", async () => {
    // A lint step on the PR's files, failing: the plan step has printed the prior state's secret.
    const { outcome, streamed } = await planAfterApply("step-fails", {
      plan: [
        { kind: "init", extraArgs: [] },
        { kind: "plan", extraArgs: [] },
        { kind: "run", argv: ["sh", "-c", "echo lint found 1 problem; exit 1"] },
      ],
      apply: [],
    });
    expect(outcome).toMatchObject({ ok: false, failedStep: "run sh" });
    if (outcome.ok) return;
    expect(outcome.output).toContain("lint found 1 problem");
    expect(outcome.output).toContain("terraform_data.pw");
    expect(streamed).toContain("Plan: 1 to add, 0 to change, 1 to destroy");
    expect(streamed).not.toContain(SECRET);
    expect(outcome.output).not.toContain(SECRET);
  });
});

import { beforeAll, describe, expect, it } from "vitest";
import { planVaultInSandbox, priorStateCheckout, TERRAFORM_SHOW_FAILS, writeStandIns } from "../support/prior-state-secret.js";
import { useTerraformSandbox } from "../support/terraform-sandbox.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { Workflow } from "../../src/model/repo-config.js";

/**
 * A plan whose `show -json` fails after the plan printed (its JSON over the output Sluice keeps, a
 * timeout, an exit code) released the plan's text to the live log (the job log, the console)
 * redacted with none of the plan's sensitive values: they are known only from that JSON, and
 * terraform prints some unmarked (a prior state's terraform_data `output`). The show's failure
 * is forced by a stand-in that is the real terraform but for `show`, which fails as terraform's
 * does (an error on stderr, exit code 1).
 */
const scratch = useTerraformSandbox("sluice-tf-show-fails-");
const SECRET = "prior-state-secret-7d20ab";

const tf = (trigger: string, input: string) => `terraform {
  backend "local" {
    path = "../state/terraform.tfstate"
  }
}
resource "terraform_data" "pw" {
  input            = sensitive(${input})
  triggers_replace = "${trigger}"
}
`;

let binDir = "";
let showFails = "";
beforeAll(async () => {
  binDir = `${scratch.root}/bin`;
  ({ "terraform-show-fails": showFails } = await writeStandIns(binDir, { "terraform-show-fails": TERRAFORM_SHOW_FAILS }));
});

/** A plan after an apply whose state holds SECRET in a terraform_data, by `bin`. */
async function planAfterApply(name: string, bin: string, workflow?: Workflow) {
  const where = await priorStateCheckout(scratch.root, name, {
    applied: { "vault/main.tf": tf("1", JSON.stringify(SECRET)) },
    planned: { "vault/main.tf": tf("2", '"rotated-away"') },
  });
  const runner = createTerraformRunner("terraform", { binary: bin });
  return planVaultInSandbox(scratch.sandbox, runner, where, { readable: [binDir], ...(workflow ? { workflow } : {}) });
}

describe("a plan whose show -json fails: nothing of its text leaves", () => {
  it("the default workflow (init, plan and show in one run): the live log withholds the plan's text and says why", async () => {
    const { outcome, streamed } = await planAfterApply("batched", showFails);
    expect(outcome).toMatchObject({ ok: false, failedStep: "show" });
    if (outcome.ok) return;
    // The attack: the plan's text, and the prior state's secret in it, went to the live log.
    expect(streamed).not.toContain(SECRET);
    expect(outcome.message).toMatch(/show exited with code 1/);
    expect(outcome.message).toMatch(/plan's output is withheld/);
    expect(outcome.output).toContain("Failed to read the given file");
    expect(`${outcome.message}${outcome.output}`).not.toContain(SECRET);
    expect(streamed).not.toContain("terraform_data.pw");
    expect(streamed).toMatch(/plan's output is withheld: only the plan's JSON/);
  });

  it("a custom workflow's plan step, show run on its own: the same", async () => {
    const { outcome, streamed } = await planAfterApply("custom", showFails, {
      plan: [
        { kind: "init", extraArgs: [] },
        { kind: "plan", extraArgs: [] },
      ],
      apply: [],
    });
    expect(outcome).toMatchObject({ ok: false, failedStep: "show" });
    if (outcome.ok) return;
    expect(streamed).not.toContain(SECRET);
    expect(outcome.message).toMatch(/plan's output is withheld/);
    expect(`${outcome.message}${outcome.output}`).not.toContain(SECRET);
    expect(streamed).not.toContain("terraform_data.pw");
    expect(streamed).toMatch(/plan's output is withheld/);
  });

  it("control: the real terraform, whose show succeeds, streams the plan's text redacted, as before", async () => {
    const { outcome, streamed } = await planAfterApply("control", "terraform");
    expect(outcome).toMatchObject({ ok: true });
    if (!outcome.ok) return;
    expect(outcome.summary.sensitiveValues).toContain(SECRET);
    expect(streamed).toContain("Plan: 1 to add, 0 to change, 1 to destroy");
    expect(streamed).toContain("[redacted]");
    expect(streamed).not.toContain(SECRET);
    expect(streamed).not.toMatch(/withheld/);
  });
});

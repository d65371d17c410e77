import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeFiles } from "../support/prior-state-secret.js";
import { applyVaultSecret, TERRAGRUNT_STAND_IN, useTerragruntScratch, vaultModule } from "../support/terragrunt-prior-state.js";
import { exec } from "../../runners/exec.js";
import { createTerragruntRunner } from "../../runners/terragrunt/terragrunt-runner.js";

/**
 * A unit's plan refused after it ran (where its state lives cannot be told: a copy deeper than the
 * walk) returned the plan's text as it was: terraform prints some sensitive values unmarked (a
 * terraform_data's `output` echoing a sensitive `input`, from the prior state), known only from the
 * plan's JSON. The project runner adds them to the job's secrets only for a plan that succeeded, so
 * the refused plan's output, posted on the PR, held them in clear.
 */
const SECRET = "prior-state-secret-9b3e71";
// Deeper than the walk of the download dir goes (16 levels).
const deepSub = "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p";

const unitHcl = (source: string) => `terraform {\n  source = "${source}"\n}\ninputs = {\n  password = "rotated"\n  trigger = "2"\n}\n`;

const scratch = useTerragruntScratch("sluice-tg-failed-sensitive-");

beforeAll(async () => {
  const { root, checkout } = scratch;
  const main = vaultModule(join(root, "vault.tfstate"));
  const files: Record<string, string> = {
    "modules/vault/main.tf": main,
    // The unit the PR leaves alone: one copy, where the walk finds it.
    "live/shallow/terragrunt.hcl":
      'terraform {\n  source = "../../modules//vault"\n}\ninputs = {\n  password = "rotated"\n  trigger = "2"\n}\n',
  };
  await writeFiles(checkout, files);
  // The state as an earlier apply left it: the secret is in it, no longer in the checkout.
  await applyVaultSecret(join(checkout, "modules/vault"), scratch.env(), SECRET);
  // The PR: the same module in a tree with a directory deeper than the walk, and a unit on it.
  await writeFiles(checkout, {
    "pr/vault/main.tf": main,
    [`pr/pad/${deepSub}/x`]: "",
    "live/deep/terragrunt.hcl": unitHcl("../../pr//vault"),
  });
});

describe("a unit's plan refused after it ran: its output knows the plan's sensitive values", () => {
  const runner = createTerragruntRunner({ binary: TERRAGRUNT_STAND_IN });
  const planOf = (dir: string, dataDir: string) => runner.plan(scratch.planRequest(dir, dataDir), exec);

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

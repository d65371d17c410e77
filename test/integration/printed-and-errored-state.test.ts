import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { WorkflowStep } from "../../src/model/repo-config.js";
import { applyRequest, httpBackendEach, plannedThenRefused, scratchRoot, terraform } from "../support/terraform-scratch.js";

/**
 * A `run` step that prints a state (its `terraform state pull`, the backend's) and then runs an
 * apply the backend refuses: terraform writes errored.tfstate and says "Failed to persist state to
 * backend", which it says when it prints the state too. The state Terraform could not save is
 * the file, never the one printed before it. Real terraform, an http backend that refuses writes.
 */
const scratch = scratchRoot("sluice-tf-printed-errored-");
const http = httpBackendEach();
const BODY = 'resource "terraform_data" "pw" {\n  input = sensitive(uuid())\n}\n';
const BEFORE = '{"version":4,"terraform_version":"1.5.0","serial":3,"lineage":"before-lineage","outputs":{},"resources":[]}';

/** `body` planned against the backend holding BEFORE, then applied (by `applySteps` when given) as it refuses writes. */
async function planThenApply(applySteps?: WorkflowStep[], body = BODY) {
  const { checkout, dataDir, planFile } = await plannedThenRefused(scratch, http, body, BEFORE);
  const more = applySteps ? { workflow: { plan: [], apply: applySteps } } : {};
  return terraform.apply(applyRequest(checkout, dataDir, planFile, more), exec);
}

const kept = (state: Buffer | undefined) =>
  JSON.parse(state?.toString("utf8") ?? "{}") as { serial?: number; resources?: { type: string; name: string }[] };

describe("a run step that printed the backend's state, then an apply whose state went to errored.tfstate", () => {
  it("keeps errored.tfstate (what the apply made), not the state printed before it", async () => {
    const result = await planThenApply([{ kind: "run", argv: ["sh", "-c", 'terraform state pull && terraform apply "$PLANFILE"'] }]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.output).toContain("Failed to persist state to backend");
    expect(result.output).toContain("Sluice withheld a Terraform state printed here");
    const state = kept(result.erroredState);
    expect(state.resources?.map((r) => `${r.type}.${r.name}`)).toEqual(["terraform_data.pw"]);
    expect(state.serial).toBe(4);
  });

  it("control: where the run step's apply could write no errored.tfstate, the state it printed is kept", async () => {
    const result = await planThenApply([
      { kind: "run", argv: ["mkdir", "errored.tfstate"] },
      { kind: "run", argv: ["sh", "-c", 'terraform state pull && terraform apply "$PLANFILE"'] },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(kept(result.erroredState).resources?.map((r) => `${r.type}.${r.name}`)).toEqual(["terraform_data.pw"]);
  });
});

/**
 * The PR's own code (a provisioner) writes errored.tfstate during the apply. Where Terraform can
 * write no state over it (its own reader refuses the file: a newer format), it prints the state it
 * could not save and says it could create no local state file: the printed state is the one to
 * keep, never the file the PR's code planted. Where Terraform writes over it, the file is its own.
 */
const planting = (planted: string, alsoSays = "") => `resource "terraform_data" "pw" {
  input = sensitive(uuid())
  provisioner "local-exec" {
    command = <<-EOT
      printf '%s' '${planted}' > errored.tfstate
      ${alsoSays}
    EOT
  }
}
`;

const plantedThenApply = (body: string) => planThenApply(undefined, body);

const madeByApply = (state: Buffer | undefined) => {
  const s = kept(state) as ReturnType<typeof kept> & { lineage?: string };
  return { lineage: s.lineage, resources: s.resources?.map((r) => `${r.type}.${r.name}`) };
};

describe("an errored.tfstate the PR's code planted during the apply", () => {
  it("one Terraform could not write over: the state Terraform printed is kept, not the planted file", async () => {
    const result = await plantedThenApply(planting('{"version":99,"serial":9,"lineage":"planted","resources":[]}'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.output).toContain("Failed to create local state file");
    expect(madeByApply(result.erroredState)).toEqual({ lineage: "before-lineage", resources: ["terraform_data.pw"] });
  });

  it("control: one Terraform wrote over, however the PR's code says otherwise: errored.tfstate is kept", async () => {
    const says = `echo 'Error: Failed to save state'; echo 'Error: Failed to create local state file'; echo '${BEFORE}'; echo 'Error: Failed to persist state to backend'`;
    const result = await plantedThenApply(planting('{"version":4,"serial":9,"lineage":"planted","resources":[]}', says));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.output).not.toContain("Sluice could not keep");
    expect(madeByApply(result.erroredState)).toEqual({ lineage: "before-lineage", resources: ["terraform_data.pw"] });
  });
});

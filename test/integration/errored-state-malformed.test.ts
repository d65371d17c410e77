import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { applyRequest, httpBackendEach, planNet, scratchRoot, terraform } from "../support/terraform-scratch.js";

/**
 * errored.tfstate is a file the run wrote: hostile input. One shaped like a state but whose
 * resource's instances are no list of objects fails the apply with a clear message (the file is
 * not kept, and said so), never a TypeError thrown out of the runner.
 */
const scratch = scratchRoot("sluice-tf-errored-malformed-");
const http = httpBackendEach();

const write = (instances: string) =>
  `printf '%s' '{"version":4,"terraform_version":"1.11.4","serial":9,"lineage":"L","resources":[{"mode":"managed","type":"t","name":"a","instances":${instances}}]}' > errored.tfstate; exit 1`;

async function applyWith(script: string) {
  const checkout = join(scratch.next(), "checkout");
  await http.write(checkout, 'resource "terraform_data" "a" {\n  input = "a"\n}\n');
  const dataDir = join(checkout, "..", "plan");
  const planFile = await planNet(checkout, dataDir);
  const req = applyRequest(checkout, dataDir, planFile, { workflow: { plan: [], apply: [{ kind: "run", argv: ["sh", "-c", script] }] } });
  return terraform.apply(req, exec);
}

describe("an errored.tfstate a run step wrote, shaped like a state but not one", () => {
  it("fails the apply, saying it could not be kept (not a Terraform state)", async () => {
    const result = await applyWith(write("[null]"));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.erroredState).toBeUndefined();
    expect(result.message).toContain("could not keep it: it is not a Terraform state");
  });

  it("control: a well-formed one is kept", async () => {
    const result = await applyWith(write('[{"attributes":{}}]'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.erroredState?.toString()).toContain('"serial":9');
  });
});

import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { WorkflowStep } from "../../src/model/repo-config.js";
import { applyRequest, httpBackendEach, plannedThenRefused, scratchRoot, terraform } from "../support/terraform-scratch.js";

/**
 * When Terraform can save the applied state neither in its backend nor to errored.tfstate (a full
 * disk; here a dir a step made in its place), it prints the whole state into its output: every
 * value in clear, those first known at the apply (which no redactor knows yet) included. Real
 * terraform, an http backend that refuses writes.
 */
const scratch = scratchRoot("sluice-tf-printed-state-");
const http = httpBackendEach();
// A value first known at the apply, and sensitive: no plan holds it, so no redactor knows it.
const BODY = 'resource "terraform_data" "pw" {\n  input = sensitive(uuid())\n}\n';

async function planThenApply(applySteps: WorkflowStep[]) {
  const { checkout, dataDir, planFile } = await plannedThenRefused(scratch, http, BODY);
  const live: string[] = [];
  const req = applyRequest(checkout, dataDir, planFile, { workflow: { plan: [], apply: applySteps }, onOutput: (c) => live.push(c) });
  return { result: await terraform.apply(req, exec), live: live.join("") };
}

/** The generated value, as the kept state holds it. */
function generated(state: Buffer | undefined): string {
  const parsed = JSON.parse(state?.toString("utf8") ?? "{}") as {
    resources?: { instances: { attributes: { input: { value: string } } }[] }[];
  };
  return parsed.resources?.[0]?.instances[0]?.attributes.input.value ?? "";
}

describe("a state terraform could save nowhere and printed", () => {
  it("is withheld from the output (live and kept) and kept as the project's unsaved state", async () => {
    const { result, live } = await planThenApply([
      { kind: "run", argv: ["mkdir", "errored.tfstate"] },
      { kind: "apply", extraArgs: [] },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.output).toContain("Failed to persist state to backend");
    expect(result.erroredState).toBeDefined();
    const secret = generated(result.erroredState);
    expect(secret).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.output).not.toContain(secret);
    expect(live).not.toContain(secret);
    expect(result.output).toContain("Sluice withheld a Terraform state printed here");
    expect(result.message).not.toContain("could not keep it");
  });

  it("printed as one line of `apply -json` (a workflow's extra_args), it is withheld too and kept as a state", async () => {
    const { result, live } = await planThenApply([
      { kind: "run", argv: ["mkdir", "errored.tfstate"] },
      { kind: "apply", extraArgs: ["-json"] },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.output).toContain("Failed to persist state to backend");
    const secret = generated(result.erroredState);
    expect(secret).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.output).not.toContain(secret);
    expect(live).not.toContain(secret);
    expect(result.output).toContain("Sluice withheld a Terraform state printed here");
    // The rest of the JSON output is as terraform printed it.
    expect(result.output).toContain('"type":"apply_complete"');
  });

  it("control: where terraform could write errored.tfstate, that file is the state kept, and nothing was printed", async () => {
    const { result } = await planThenApply([{ kind: "apply", extraArgs: [] }]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.output).not.toContain("Sluice withheld");
    expect(generated(result.erroredState)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

import { describe, expect, it } from "vitest";
import { printedUnsaved } from "../../runners/terraform/errored-state.js";

// Which state a failed step printed is the one Terraform could save nowhere (kept as unsaved).

const STATE = { text: '{\n  "version": 4,\n  "terraform_version": "1.11.4",\n  "serial": 2,\n  "lineage": "l"\n}\n', cut: false };
const FALLBACK = "│ Error: Failed to persist state to backend\n│ The errors shown above prevented Terraform from writing";

describe("printedUnsaved", () => {
  it("Terraform's own apply printed a state and its error is not in the output (a pty lost the run's last lines): the state is kept", () => {
    // terraform apply prints a state only as its last resort: the state is that one, said or not.
    expect(printedUnsaved([STATE], "terraform_data.pw: Creation complete\n", { byTerraform: true })).toBe(STATE);
  });

  it("with Terraform's error, either step kind", () => {
    expect(printedUnsaved([STATE], `x\n${FALLBACK}\n`, { byTerraform: true })).toBe(STATE);
    expect(printedUnsaved([STATE], `x\n${FALLBACK}\n`, { byTerraform: false })).toBe(STATE);
  });

  it("control: a `run` step that printed a state (its `state pull`, the backend's) without that error: nothing kept", () => {
    expect(printedUnsaved([STATE], "$ terraform state pull\n", { byTerraform: false })).toBeUndefined();
    expect(printedUnsaved([], "nothing printed\n", { byTerraform: true })).toBeUndefined();
  });
});

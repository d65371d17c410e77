import { describe, expect, it } from "vitest";
import { printedUnsaved } from "../../runners/terraform/errored-state.js";

// Which state a failed step printed is the one Terraform could save nowhere (kept as unsaved).

const STATE = { text: '{\n  "version": 4,\n  "terraform_version": "1.11.4",\n  "serial": 2,\n  "lineage": "l"\n}\n', cut: false };
const FALLBACK = "│ Error: Failed to persist state to backend\n│ The errors shown above prevented Terraform from writing";

describe("printedUnsaved", () => {
  it("Terraform's own apply printed a state and its error is not in the output (a pty lost the run's last lines): the state is kept", () => {
    // terraform apply prints a state only as its last resort: the state is that one, said or not.
    expect(printedUnsaved([STATE], "terraform_data.pw: Creation complete\n", { byTerraform: true })).toEqual({
      ...STATE,
      noFileWritten: false,
    });
  });

  it("with Terraform's error, either step kind", () => {
    expect(printedUnsaved([STATE], `x\n${FALLBACK}\n`, { byTerraform: true })).toEqual({ ...STATE, noFileWritten: false });
    expect(printedUnsaved([STATE], `x\n${FALLBACK}\n`, { byTerraform: false })).toEqual({ ...STATE, noFileWritten: false });
  });

  it("control: a `run` step that printed a state (its `state pull`, the backend's) without that error: nothing kept", () => {
    expect(printedUnsaved([STATE], "$ terraform state pull\n", { byTerraform: false })).toBeUndefined();
    expect(printedUnsaved([], "nothing printed\n", { byTerraform: true })).toBeUndefined();
  });

  // Terraform's last words when it could write no errored.tfstate either (so a file there is not its state).
  const NO_FILE =
    "│ Error: Failed to save state\n│ Error saving state: HTTP error: 403\n│ Error: Failed to create local state file\n│ Error creating local state file for recovery: unsupported format\n";

  it("Terraform's last words say it could write no errored.tfstate: said so", () => {
    expect(printedUnsaved([STATE], `x\n${NO_FILE}${FALLBACK}\n`, { byTerraform: true })).toEqual({ ...STATE, noFileWritten: true });
  });

  it("control: the same words printed before Terraform's own last words (the PR's code said them), which name no such failure: not said", () => {
    const own = "│ Error: Failed to save state\n│ Error saving state: HTTP error: 403\n";
    const out = `${NO_FILE}${FALLBACK}\n${own}${FALLBACK}\n`;
    expect(printedUnsaved([STATE], out, { byTerraform: true })).toEqual({ ...STATE, noFileWritten: false });
  });
});

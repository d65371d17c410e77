import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { pullState } from "../../runners/terraform/state-read-back.js";

// An apply is reported applied only once `state pull` gives the state back. A state past the 64M
// characters Sluice keeps of a run's output was cut and read back as "not a Terraform state (not
// JSON)": the apply failed its read-back with a reason that blames the backend's answer.

/** A state of `resources` resources, pretty-printed as terraform prints it. */
const stateScript = (resources: number) =>
  `printf '{\\n  "version": 4,\\n  "serial": 3,\\n  "lineage": "l-1",\\n  "resources": [\\n'; ` +
  `yes '    {"mode": "managed", "type": "terraform_data", "name": "x", "instances": [{"attributes": {"input": "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"}}]},' | head -n ${resources}; ` +
  `printf '    {"mode": "managed", "type": "terraform_data", "name": "last", "instances": [{}]}\\n  ]\\n}\\n'`;

const pull = (resources: number) =>
  pullState(
    exec,
    "sh",
    { cwd: tmpdir(), env: {}, timeoutMs: 120_000 },
    { argv: ["-c", stateScript(resources)], shown: "terraform state pull" },
  );

describe("a state read back past the output cap", () => {
  it("is said to be too long to read back, not taken for a broken answer of the backend", async () => {
    const after = await pull(500_000); // ~73M characters
    expect(after).toEqual({
      error:
        "`terraform state pull` printed more than 64M characters, more than Sluice keeps of a run's output: the state cannot be read back whole",
    });
  }, 300_000);

  it("control: a large state under the cap is read back", async () => {
    const after = await pull(200_000);
    expect(after).toMatchObject({ serial: 3, lineage: "l-1" });
    if ("addresses" in after) expect([...after.addresses]).toEqual(["terraform_data.x", "terraform_data.last"]);
  }, 300_000);
});

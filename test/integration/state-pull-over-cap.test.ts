import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { pullState } from "../../runners/terraform/state-read-back.js";

// An apply is reported applied only once `state pull` gives the state back. A state past the 64M
// characters Sluice keeps of a run's output was once cut (every apply of such a project failed its
// read-back): it is read as it streams now, whatever its size.

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
  it("is read back whole, past the 64M characters Sluice keeps of a run's output", async () => {
    const after = await pull(500_000); // ~73M characters
    expect(after).toMatchObject({ serial: 3, lineage: "l-1" });
    if ("addresses" in after) expect([...after.addresses]).toEqual(["terraform_data.x", "terraform_data.last"]);
  }, 300_000);

  it("and one under that cap (~29M characters, past 8 MiB: read as it streams too)", async () => {
    const after = await pull(200_000);
    expect(after).toMatchObject({ serial: 3, lineage: "l-1" });
    if ("addresses" in after) expect([...after.addresses]).toEqual(["terraform_data.x", "terraform_data.last"]);
  }, 300_000);
});

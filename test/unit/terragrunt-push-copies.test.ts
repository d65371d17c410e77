import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { backendDigest } from "../../runners/terraform/backend-digest.js";
import { copiesUse } from "../../runners/terragrunt/terragrunt-state.js";
import { testDir } from "../support/temp-dir.js";

const root = testDir("sluice-tg-copies-");
let n = 0;
/** A copy terragrunt ran in, with the backend its init set up (none: never initialised). */
function copy(address?: string): string {
  const dir = join(root, `copy-${n++}`);
  mkdirSync(join(dir, ".terraform"), { recursive: true });
  if (address)
    writeFileSync(
      join(dir, ".terraform", "terraform.tfstate"),
      JSON.stringify({ version: 3, backend: { type: "http", config: { address } } }),
    );
  return dir;
}

describe("a held unit's kept state is pushed only where every copy sets up the refused backend", () => {
  const refused = copy("http://state.example/prod");
  const digest = backendDigest(join(refused, ".terraform")) as string;

  it("refuses when the PR's copy names another backend, however many decoys name the refused one", () => {
    // Attack: the unit's source brings the repository along; the PR moved the backend to its own
    // and planted a dir whose `.terraform` names the refused backend (its digest is computable).
    const decoy = copy("http://state.example/prod");
    const moved = copy("http://attacker.example/loot");
    expect(copiesUse([decoy, moved], digest)).toBe(false);
    expect(copiesUse([moved, decoy], digest)).toBe(false);
    expect(copiesUse([moved], digest)).toBe(false);
  });

  it("refuses a copy whose backend file cannot be read as one", () => {
    const garbled = copy();
    writeFileSync(join(garbled, ".terraform", "terraform.tfstate"), "not json");
    expect(copiesUse([refused, garbled], digest)).toBe(false);
  });

  it("pushes where the copy (or every copy) sets up the refused backend (control)", () => {
    expect(copiesUse([refused], digest)).toBe(true);
    expect(copiesUse([refused, copy("http://state.example/prod")], digest)).toBe(true);
    // A copy terraform never initialised sets up nothing.
    expect(copiesUse([refused, copy()], digest)).toBe(true);
  });
});

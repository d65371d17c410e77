// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terragrunt (HCL) text, whose ${…} is HCL's
import { describe, expect, it } from "vitest";
import { readTerragruntFiles } from "../../runners/terragrunt/read-terragrunt-files.js";

/**
 * A PR's `.hcl` files are parsed on the server's own thread. Strings of nested templates, which
 * tree-sitter's HCL grammar does not take, send its error recovery past quadratic: 200 KB took
 * 11 s, and 165 KB of shorter nests had not finished after 14 minutes, while every webhook, job
 * and page of the server waited.
 */
const nested = (depth: number, salt: string) => `# ${salt}\ninclude {\n  path = ${'"${'.repeat(depth)}f()${'}"'.repeat(depth)}\n}\n`;
const UNIT = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n';

describe("a PR's .hcl files cannot hold the server's thread", () => {
  it("a file whose parse runs past its budget is cancelled and said so; the others are parsed", { timeout: 120_000 }, async () => {
    const parsed = await readTerragruntFiles(
      new Map([
        ["live/evil/terragrunt.hcl", nested(40_000, "one")],
        ["live/a/terragrunt.hcl", UNIT],
      ]),
    );
    expect(parsed.get("live/evil/terragrunt.hcl")).toEqual({
      refs: [],
      error: "the file took more than 2 s to parse (Sluice stops there): not followed",
    });
    // Control: a real unit beside it is read as ever.
    expect(parsed.get("live/a/terragrunt.hcl")).toEqual({
      refs: [{ kind: "include", name: "root", path: { kind: "parent", name: "root.hcl" } }],
    });
  });

  it("a commit of many such files is parsed for a bounded time in all; the rest wait for a later read", { timeout: 120_000 }, async () => {
    const files = new Map(Array.from({ length: 5 }, (_, i) => [`live/e${i}/terragrunt.hcl`, nested(40_000, `many ${i}`)]));
    files.set("live/a/terragrunt.hcl", `${UNIT}# another\n`);
    const parsed = await readTerragruntFiles(files);
    const errors = [...parsed.values()].map((f) => f.error);
    expect(errors.filter((e) => e?.startsWith("the file took more than 2 s")).length).toBeLessThanOrEqual(3);
    expect(errors).toContain(
      "not parsed: this commit's Terragrunt files took more than 6 s to parse in all (Sluice stops there): not followed",
    );
    // Control: the real unit is parsed first (smallest first), whatever the others cost.
    expect(parsed.get("live/a/terragrunt.hcl")).toEqual({
      refs: [{ kind: "include", name: "root", path: { kind: "parent", name: "root.hcl" } }],
    });
    // The output keeps the commit's order of files.
    expect([...parsed.keys()]).toEqual([...files.keys()]);
  });
});

describe("a PR's .hcl file nested past the server's stack", () => {
  it("is a problem of its unit, said plainly, not a fault of the whole plan", async () => {
    const deep = (n: number) => `include {\n  path = ${"(".repeat(n)}find_in_parent_folders()${")".repeat(n)}\n}\n`;
    const parsed = await readTerragruntFiles(
      new Map([
        ["live/deep/terragrunt.hcl", deep(10_000)],
        ["live/fine/terragrunt.hcl", deep(3)],
      ]),
    );
    expect(parsed.get("live/deep/terragrunt.hcl")).toEqual({ refs: [], error: "its expressions are nested too deeply to be read" });
    // Control: the same shape, nested as real files are, is read (its parent file found).
    const fine = parsed.get("live/fine/terragrunt.hcl");
    expect(fine?.error).toBeUndefined();
    expect(fine?.refs).toContainEqual({ kind: "read", name: "find_in_parent_folders", path: { kind: "parent", name: "terragrunt.hcl" } });
  });
});

import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PARSE_CACHE_FORMAT, readKeptParses } from "../../runners/terragrunt/parse-cache-file.js";
import {
  clearTerragruntParseCache,
  flushKeptTerragruntParses,
  keepTerragruntParsesIn,
  readTerragruntFiles,
} from "../../runners/terragrunt/read-terragrunt-files.js";

const dir = mkdtempSync(join(tmpdir(), "sluice-tg-parses-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const UNIT = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n';
const keyOf = (text: string) => createHash("sha256").update(text).digest("base64");

describe("Terragrunt parses kept across a restart, by content", () => {
  it("a restart takes the kept parse of an unchanged file instead of parsing it again; a changed file is parsed", async () => {
    const file = join(dir, "parses.json");
    const problems: string[] = [];
    keepTerragruntParsesIn(file, (m) => problems.push(m));
    // The unit tier shares one module instance between files: start from what a fresh process holds.
    clearTerragruntParseCache();
    const first = await readTerragruntFiles(new Map([["live/a/terragrunt.hcl", UNIT]]));
    expect(first.get("live/a/terragrunt.hcl")?.refs.map((r) => r.kind)).toEqual(["include"]);
    await flushKeptTerragruntParses();
    const kept = JSON.parse(readFileSync(file, "utf8"));
    expect(kept.format).toBe(PARSE_CACHE_FORMAT);
    expect(kept.entries.map((e: [string]) => e[0])).toEqual([keyOf(UNIT)]);

    // The kept entry is doctored: if the restart parsed the text again, the doctoring would not show.
    kept.entries[0][1] = { refs: [], error: "from the kept file" };
    writeFileSync(file, JSON.stringify(kept));
    clearTerragruntParseCache();
    const again = await readTerragruntFiles(new Map([["live/a/terragrunt.hcl", UNIT]]));
    expect(again.get("live/a/terragrunt.hcl")?.error).toBe("from the kept file");
    // Control: a file whose text changed is parsed, not looked up.
    const changed = await readTerragruntFiles(new Map([["live/a/terragrunt.hcl", `${UNIT}\n`]]));
    expect(changed.get("live/a/terragrunt.hcl")).toMatchObject({ refs: [{ kind: "include" }] });
    expect(problems).toEqual([]);
  });

  it("a damaged or foreign kept file is set aside with its reason and the parses are made again", async () => {
    const file = join(dir, "damaged.json");
    writeFileSync(file, '{"format":"sluice-terragrunt-parses/1","entries":[["x",');
    expect((await readKeptParses(file)).problem).toMatch(/not a complete parse cache/);
    writeFileSync(file, JSON.stringify({ format: "someone-else/9", entries: [[keyOf(UNIT), { refs: [], error: "old" }]] }));
    const foreign = await readKeptParses(file);
    expect(foreign.parses.size).toBe(0);
    expect(foreign.problem).toMatch(/format someone-else\/9/);
    // Entries of the wrong shape are dropped one by one.
    writeFileSync(
      file,
      JSON.stringify({
        format: PARSE_CACHE_FORMAT,
        entries: [
          ["a", { refs: "no" }],
          ["b", { refs: [] }],
        ],
      }),
    );
    expect([...(await readKeptParses(file)).parses.keys()]).toEqual(["b"]);
    expect(await readKeptParses(join(dir, "none.json"))).toEqual({ parses: new Map() });

    const problems: string[] = [];
    writeFileSync(file, JSON.stringify({ format: "someone-else/9", entries: [[keyOf(UNIT), { refs: [], error: "old" }]] }));
    keepTerragruntParsesIn(file, (m) => problems.push(m));
    clearTerragruntParseCache();
    const parsed = await readTerragruntFiles(new Map([["live/b/terragrunt.hcl", UNIT]]));
    expect(parsed.get("live/b/terragrunt.hcl")?.error).toBeUndefined();
    expect(problems).toEqual([
      expect.stringMatching(/^Terragrunt parses not taken from the last run \(they are made again\): .*someone-else/),
    ]);
  });
});

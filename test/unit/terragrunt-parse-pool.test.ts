// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terragrunt (HCL) text, whose ${…} is HCL's
import { availableParallelism } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { newReadBudget } from "../../runners/terragrunt/parse-budget.js";
import { closeParsePool, PARSE_BATCH, parseInPool, parsePoolSize } from "../../runners/terragrunt/parse-pool.js";
import { clearTerragruntParseCache, readTerragruntFiles } from "../../runners/terragrunt/read-terragrunt-files.js";

afterAll(() => closeParsePool());

/** A unit of its own (its inputs differ), valid or not, with one path of each kind. */
function unit(i: number): string {
  if (i % 97 === 5) return `include "root" {\n  path = find_in_parent_folders("root.hcl")\n\ninputs = { n = ${i} }\n`;
  // Past the stack of any thread (a worker's 4 MB, a test runner's 1 MB).
  if (i % 89 === 7) return `include {\n  path = ${"(".repeat(100_000)}find_in_parent_folders()${")".repeat(100_000)}\n}\n`;
  return [
    'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}',
    `terraform {\n  source = "../../modules//m${i % 13}"\n}`,
    `dependency "prev" {\n  config_path = "../u-${i - 1}"\n}`,
    `locals {\n  r = read_terragrunt_config("${"../".repeat(i % 3)}region-${i % 5}.hcl")\n}`,
    `inputs = {\n  name = "u-${i}"\n}\n`,
  ].join("\n");
}

// Distinct lengths and contents, in an order that is neither the input's nor by size.
const files = new Map(Array.from({ length: 700 }, (_, i) => [`live/u-${(i * 37) % 700}/terragrunt.hcl`, unit((i * 37) % 700)]));

describe("the Terragrunt parse pool", () => {
  it("parses on worker threads exactly what this thread parses, in the order of the files given", async () => {
    clearTerragruntParseCache();
    const here = await readTerragruntFiles(files, { poolMinFiles: Number.POSITIVE_INFINITY });
    expect(parsePoolSize()).toBe(0);
    clearTerragruntParseCache();
    const pooled = await readTerragruntFiles(files, { poolMinFiles: 1 });
    // This thread parses too: one worker fewer than the CPUs.
    expect(parsePoolSize()).toBe(Math.min(availableParallelism(), Math.ceil(files.size / PARSE_BATCH)) - 1);
    expect([...pooled.keys()]).toEqual([...files.keys()]);
    expect([...pooled]).toEqual([...here]);
    // Control: the files' own problems are there, said the same way (not lost, not a fault of the read).
    const errors = [...pooled.values()].map((f) => f.error).filter(Boolean);
    expect(errors.filter((e) => e?.startsWith("HCL syntax error near line")).length).toBe(8);
    expect(errors).toContain("its expressions are nested too deeply to be read");
    expect(pooled.get("live/u-10/terragrunt.hcl")?.refs.map((r) => r.kind)).toEqual(["include", "source", "dependency", "read"]);
  });

  it("a text copied into many dirs is parsed once and given to each", async () => {
    clearTerragruntParseCache();
    const same = new Map(Array.from({ length: 600 }, (_, i) => [`live/c-${i}/terragrunt.hcl`, unit(i % 2)]));
    const parsed = await readTerragruntFiles(same, { poolMinFiles: 1 });
    expect(parsed.size).toBe(600);
    expect(parsed.get("live/c-598/terragrunt.hcl")).toEqual(parsed.get("live/c-0/terragrunt.hcl"));
    expect(parsed.get("live/c-599/terragrunt.hcl")).toEqual(parsed.get("live/c-1/terragrunt.hcl"));
  });

  it("shares one read's budget between its workers: side by side they do not each spend it all", { timeout: 60_000 }, async () => {
    const nested = (depth: number, salt: string) => `# ${salt}\ninclude {\n  path = ${'"${'.repeat(depth)}f()${'}"'.repeat(depth)}\n}\n`;
    const texts = Array.from({ length: 6 }, (_, i) => nested(40_000, `pool ${i}`));
    const read = newReadBudget(3_000);
    const t0 = performance.now();
    // One file a batch: each worker takes the next slow file as soon as it is free.
    const parses = await parseInPool(texts, read, { batchSize: 1 });
    expect(parsePoolSize()).toBe(Math.min(availableParallelism(), texts.length));
    const errors = parses.map((p) => p.error ?? "");
    // 3 s of parse time in all, at most 2 s a file: never more than two files run out their own.
    expect(errors.filter((e) => e.startsWith("the file took more than 2 s")).length).toBeLessThanOrEqual(2);
    expect(errors.filter((e) => e.startsWith("not parsed: this commit's Terragrunt files took more than")).length).toBeGreaterThan(0);
    // Summed over the workers, the parses stopped at the read's budget, not at a worker's.
    expect(Atomics.load(read.spentUs, 0)).toBeLessThan(3_000_000 + 500_000);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it("a pool closed while parsing fails the read with that reason, and a later read starts workers again", async () => {
    clearTerragruntParseCache();
    // The pool the tests before left idle goes first: the one closed below is this read's.
    await closeParsePool();
    const reading = readTerragruntFiles(files, { poolMinFiles: 1 }).then(
      () => "parsed",
      (e: Error) => e.message,
    );
    // Closed once the read has started its workers (before that there is no pool to close: a busy
    // machine can take longer than a tick to get there).
    while (parsePoolSize() === 0) await new Promise((r) => setImmediate(r));
    await closeParsePool();
    expect(await reading).toBe("the Terragrunt parse pool was closed while parsing");
    expect(parsePoolSize()).toBe(0);
    // Control: nothing of the failed read was kept as a parse; the next read parses every file.
    const again = await readTerragruntFiles(files, { poolMinFiles: 1 });
    expect(again.size).toBe(files.size);
    expect(again.get("live/u-10/terragrunt.hcl")?.error).toBeUndefined();
  });
});

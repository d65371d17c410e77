import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadRepoConfig, type RepoConfigResult } from "../../src/config/repo/load-repo-config.js";

const MiB = 1024 * 1024;

function errors(result: RepoConfigResult): string[] {
  if (result.ok) throw new Error("expected the config to be refused");
  return result.errors;
}

const BILLION_LAUGHS = [
  'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
  "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
  "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]",
  "",
].join("\n");

describe("loadRepoConfig on hostile input", () => {
  it("refuses a file over the size limit without parsing it", () => {
    // Not YAML at all: only the size is looked at.
    const huge = `version: [\n${"{".repeat(5 * MiB)}`.slice(0, 5 * MiB);
    expect(errors(loadRepoConfig({ sluice: huge }))).toEqual([".sluice.yaml is 5.0 MB; the limit is 1 MiB"]);
    expect(errors(loadRepoConfig({ atlantis: huge }))).toEqual(["atlantis.yaml is 5.0 MB; the limit is 1 MiB"]);
  });

  it("counts bytes, not characters, and honours maxBytes", () => {
    expect(errors(loadRepoConfig({ sluice: "é".repeat(600 * 1024) }))).toEqual([".sluice.yaml is 1.2 MB; the limit is 1 MiB"]);
    expect(errors(loadRepoConfig({ sluice: `version: 1\n${"#".repeat(140)}` }, { maxBytes: 100 }))).toEqual([
      ".sluice.yaml is 151 bytes; the limit is 100 bytes",
    ]);
    expect(loadRepoConfig({ sluice: "version: 1\n" }, { maxBytes: 11 }).ok).toBe(true);
  });

  it("refuses an alias bomb before expanding it", () => {
    expect(errors(loadRepoConfig({ sluice: BILLION_LAUGHS }))).toEqual(["f: YAML aliases expand to more than 250000 values (line 6)"]);
    expect(errors(loadRepoConfig({ atlantis: BILLION_LAUGHS }))).toEqual(["f: YAML aliases expand to more than 250000 values (line 6)"]);
  });

  it("accepts ordinary anchors used many times", () => {
    const projects = Array.from({ length: 200 }, (_, i) => `  - {<<: *p, dir: d${i}}`).join("\n");
    const text = `version: 1\nx-defaults: &p {execution_order_group: 1}\nprojects:\n${projects}\n`;
    // x-defaults itself is not a key of .sluice.yaml: the anchors worked, the schema speaks.
    expect(errors(loadRepoConfig({ sluice: text }))).toEqual(["x-defaults: unknown key (line 2)"]);
  });

  it.each([
    ["an alias to its own parent", "a: &x [*x]\n", "a[0]: alias *x refers to a value that contains it (line 1)"],
    ["an unknown alias", "version: 1\na: *nope\n", "a: unknown alias *nope (line 2)"],
    ["a collection as a key", "? [a, b]\n: 1\n", "(root): keys must be plain strings (line 1)"],
    [
      "two documents",
      "version: 1\n---\nversion: 1\n",
      "(root): invalid YAML: the file must hold a single document (found another `---`) (line 2)",
    ],
    ["tabs for indentation", "version: 1\nprojects:\n\t- dir: a\n", "(root): invalid YAML: Tabs are not allowed as indentation (line 3)"],
    ["a list as the root", "# comment\n\n- a\n", "(root): must be a mapping, got a list (line 3)"],
    ["a string as the root", "just text", '(root): must be a mapping, got "just text" (line 1)'],
    ["a number as the root", "42\n", "(root): must be a mapping, got 42 (line 1)"],
    ["an empty file", "", "(root): the file is empty; it needs at least a version (line 1)"],
    ["only comments", "# nothing\n", "(root): the file is empty; it needs at least a version (line 1)"],
    ["__proto__", "version: 1\n__proto__: {polluted: true}\n", "__proto__: unknown key (line 2)"],
  ])("refuses %s with a clear error", (_, text, error) => {
    expect(errors(loadRepoConfig({ sluice: text }))).toEqual([error]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ["flow lists", `version: 1\nprojects: ${"[".repeat(200_000)}`, "(root): nesting is deeper than 64 levels (line 2)"],
    ["flow maps", `${"{a: ".repeat(100_000)}`, "(root): nesting is deeper than 64 levels (line 1)"],
    [
      "block maps",
      `${Array.from({ length: 70 }, (_, i) => `${" ".repeat(i)}a:`).join("\n")} 1\n`,
      "a.a.a.a.a.a.a.a…: nesting is deeper than 64 levels (line 66)",
    ],
    [
      "block lists",
      `${Array.from({ length: 70 }, (_, i) => `${"  ".repeat(i)}-`).join("\n")} 1\n`,
      "[0][0][0][0][0][0][0][0]…: nesting is deeper than 64 levels (line 66)",
    ],
  ])("refuses deeply nested %s without overflowing the stack", (_, text, error) => {
    expect(errors(loadRepoConfig({ sluice: text }))).toEqual([error]);
  });

  it("keeps line numbers right with a BOM and CRLF line ends", () => {
    expect(errors(loadRepoConfig({ sluice: "\uFEFFversion: 1\r\nprojects:\r\n  - dir: ../a\r\n" }))).toEqual([
      "projects[0].dir: must be a relative path inside the repo, got ../a (line 3)",
    ]);
  });

  it("caps the number of errors it lists", () => {
    const projects = Array.from({ length: 50 }, (_, i) => `  - {dir: d${i}, bogus: 1}`).join("\n");
    const list = errors(loadRepoConfig({ sluice: `version: 1\nprojects:\n${projects}\n` }));
    expect(list).toHaveLength(31);
    expect(list[0]).toBe("projects[0].bogus: unknown key (line 3)");
    expect(list[30]).toBe("… and 20 more");
  });
});

// Every refusal is one of: the size message, "<path>: <message> (line N)", or the "more" line.
const ERROR_SHAPE = /^(?:\S.*: .+ \(line \d+\)|\S+ is [\d.]+ (?:MB|KB|bytes); the limit is .+|… and \d+ more)$/s;

const YAML_PIECES = [
  "version: 1\n",
  "version: 3\n",
  "projects:\n",
  "  - dir: ",
  "    workspace: ",
  "    depends_on: [",
  "workflows:\n  w:\n    plan:\n      steps:\n",
  "        - run: ",
  "        - init\n",
  "autoplan: {when_modified: [",
  "&a ",
  "*a",
  "<<: ",
  "[",
  "]",
  "{",
  "}",
  ": ",
  ", ",
  "- ",
  "\n",
  "  ",
  "'",
  '"',
  "..",
  "/",
  "#",
  "? ",
  "!!str ",
  "---\n",
  "\t",
  "a",
  "1",
];

describe("loadRepoConfig never throws", () => {
  const check = (files: { sluice?: string; atlantis?: string }) => {
    const result = loadRepoConfig(files);
    if (result.ok) return;
    expect(result.errors.length).toBeGreaterThan(0);
    for (const e of result.errors) expect(e).toMatch(ERROR_SHAPE);
  };

  it("on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), fc.boolean(), (text, atlantis) => {
        check(atlantis ? { atlantis: text } : { sluice: text });
      }),
      { numRuns: 500 },
    );
  });

  it("on YAML-shaped noise", () => {
    const noise = fc.array(fc.constantFrom(...YAML_PIECES), { maxLength: 60 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(noise, fc.boolean(), (text, atlantis) => {
        check(atlantis ? { atlantis: text } : { sluice: text });
      }),
      { numRuns: 1000 },
    );
  });
});

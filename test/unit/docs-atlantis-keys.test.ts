import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ATLANTIS_REPOS_KEYS,
  atlantisKeysTable,
  atlantisRepoEntrySchema,
  atlantisReposSchema,
} from "../../src/config/atlantis-repos-schema.js";

const PAGE = readFileSync(join(import.meta.dirname, "../../docs/atlantis.md"), "utf8");

describe("docs/atlantis.md's repos.yaml table is what the parser does", () => {
  it("the table between its markers is the one rendered from the parser's key list", () => {
    const start = "<!-- atlantis-repos-keys:start -->\n";
    const table = PAGE.slice(PAGE.indexOf(start) + start.length, PAGE.indexOf("<!-- atlantis-repos-keys:end -->"));
    expect(PAGE).toContain(start);
    expect(table.trim()).toBe(atlantisKeysTable());
  });

  it("every key the parser accepts has a line, and every line is a key the parser accepts", () => {
    const parsed = [
      ...Object.keys(atlantisRepoEntrySchema.shape).map((k) => `repos[].${k}`),
      ...Object.keys(atlantisReposSchema.shape).filter((k) => k !== "repos"),
    ].sort();
    expect(Object.keys(ATLANTIS_REPOS_KEYS).sort()).toEqual(parsed);
  });
});

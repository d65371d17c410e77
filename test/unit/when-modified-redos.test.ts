import { describe, expect, it } from "vitest";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { projectsForChanges } from "../../src/config/repo/match-when-modified.js";

// A pull request writes both sides of the match: the `when_modified` patterns (its own config) and
// the names of the files it changes. A JavaScript regexp with many `*` backtracks for hours on a
// long name that almost matches; Atlantis (Go's RE2) matches in linear time.
const changes = (atlantis: string, files: string[]) => {
  const loaded = loadRepoConfig({ atlantis });
  if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
  return projectsForChanges(loaded.config, files).map((p) => p.name);
};

describe("when_modified against hostile patterns and file names", () => {
  it("a pattern of many `*` against a long near-miss name answers at once (attack)", () => {
    const pattern = `${"*a".repeat(14)}*b`;
    const config = `version: 3\nprojects:\n  - { name: app, dir: app, autoplan: { when_modified: ["${pattern}"] } }\n`;
    const started = performance.now();
    expect(changes(config, [`app/${"a".repeat(60)}`])).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("so does a chain of `**/` against a path of many dirs (attack)", () => {
    const pattern = `${"**/".repeat(12)}b`;
    const config = `version: 3\nprojects:\n  - { name: app, dir: app, autoplan: { when_modified: ["${pattern}"] } }\n`;
    const started = performance.now();
    expect(changes(config, [`app/${"a/".repeat(400)}c`])).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("the same patterns still match what they match (control)", () => {
    const config = `version: 3\nprojects:\n  - { name: app, dir: app, autoplan: { when_modified: ["${"*a".repeat(14)}*b", "${"**/".repeat(12)}b"] } }\n`;
    expect(changes(config, [`app/${"a".repeat(60)}b`])).toEqual(["app"]);
    expect(changes(config, [`app/${"a/".repeat(400)}b`])).toEqual(["app"]);
    expect(changes(config, [`app/${"xa".repeat(14)}xb`])).toEqual(["app"]);
  });
});

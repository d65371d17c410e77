import { describe, expect, it } from "vitest";
import { cleanRepoPath } from "../../src/util/repo-path.js";

describe("cleanRepoPath", () => {
  it.each([
    ["teams/a/main.tf", "teams/a/main.tf"],
    ["a/./b//c/", "a/b/c"],
    ["./", "."],
    ["", "."],
    [".", "."],
    ["/abs/x", "abs/x"],
    ["a/../b", "b"],
    ["a/b/../../..", undefined],
    ["..", undefined],
    ["...", "..."],
    ["a/.b/c..", "a/.b/c.."],
    ["a/..b", "a/..b"],
  ])("%j -> %j", (path, clean) => {
    expect(cleanRepoPath(path)).toBe(clean);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeRelativePath } from "../../src/command/normalize-relative-path.js";

describe("normalizeRelativePath", () => {
  it.each<[string, string]>([
    [".", "."],
    ["./", "."],
    [".//./", "."],
    ["a", "a"],
    ["./a//b/", "a/b"],
    ["a/./b/.", "a/b"],
    ["a b/c", "a b/c"],
    ["..a/b..", "..a/b.."],
    ["a/.hidden", "a/.hidden"],
  ])("%j -> %j", (input, path) => {
    expect(normalizeRelativePath(input)).toEqual({ ok: true, path });
  });

  it.each<[string, string]>([
    ["", "it is empty"],
    ["/", "it must be relative to the repository root"],
    ["/etc", "it must be relative to the repository root"],
    ["//server/share", "it must be relative to the repository root"],
    ["..", "it must not contain `..`"],
    ["a/../b", "it must not contain `..`"],
    ["a/..", "it must not contain `..`"],
    ["C:\\x", "it must not contain backslashes"],
    ["..\\x", "it must not contain backslashes"],
    ["%2e%2e", "it must not contain `%`"],
    ["~", "it must not contain `~`"],
    ["a/~b", "it must not contain `~`"],
    ["-rf", "it must not start with `-`"],
    ["./-rf", "it must not start with `-`"],
    ["a\u0000", "it contains a control or invisible character"],
    ["a\u200Bb", "it contains a control or invisible character"],
    ["a".repeat(1025), "it is longer than 1024 characters"],
  ])("%j is refused", (input, reason) => {
    expect(normalizeRelativePath(input)).toEqual({ ok: false, reason });
  });

  it("is idempotent and never yields an escaping path", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", ".", "..", "", "-x", "~", "%", "\\", " "), { maxLength: 8 }), (parts) => {
        const result = normalizeRelativePath(parts.join("/"));
        if (!result.ok) return;
        expect(result.path.split("/")).not.toContain("..");
        expect(result.path.startsWith("/")).toBe(false);
        expect(normalizeRelativePath(result.path)).toEqual(result);
      }),
    );
  });
});

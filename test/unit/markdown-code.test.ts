import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { markdownCode } from "../../src/command/markdown-code.js";

describe("markdownCode", () => {
  it.each<[string, string]>([
    ["net", "`net`"],
    ["", "(empty)"],
    ["<img src=x onerror=alert(1)>", "`<img src=x onerror=alert(1)>`"],
    ["@admin #12", "`@admin #12`"],
    ["a`b", "``a`b``"],
    ["a``b`", "``` a``b` ```"],
    ["`", "`` ` ``"],
    [" a ", "`  a  `"],
    ["a\u0000b", "`a\\u{0}b`"],
    ["a\nb", "`a\\u{A}b`"],
    ["\u202Eevil", "`\\u{202E}evil`"],
    ["x".repeat(81), `\`${"x".repeat(80)}…\``],
    ["😀".repeat(81), `\`${"😀".repeat(80)}…\``],
  ])("%j", (input, expected) => {
    expect(markdownCode(input)).toBe(expected);
  });

  it("never lets the text close its code span, and never shows raw control characters", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 100 }), (text) => {
        const out = markdownCode(text);
        if (out === "(empty)") return;
        const fence = /^`+/.exec(out)?.[0] ?? "";
        const inner = out.slice(fence.length, out.length - fence.length);
        expect(out.endsWith(fence)).toBe(true);
        // no backtick run inside is as long as the fence
        expect(inner.split(/[^`]+/).every((run) => run.length < fence.length)).toBe(true);
        expect(inner).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u);
      }),
    );
  });
});

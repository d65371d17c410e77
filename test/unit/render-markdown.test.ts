import { describe, expect, it } from "vitest";
import { cutIndex, cutText } from "../../src/render/cut-text.js";
import { escapeText } from "../../src/render/escape-text.js";
import { fence, longestBacktickRun } from "../../src/render/fence.js";
import { inlineCode } from "../../src/render/inline.js";
import { structure } from "../golden/markdown-checks.js";

describe("fence", () => {
  it.each([
    ["no backticks", "plain\n", "```\nplain\n```"],
    ["adds the final newline", "plain", "```\nplain\n```"],
    ["outlasts a triple backtick", "a ``` b", "````\na ``` b\n````"],
    ["outlasts the longest run", "`` x ````` y `", "``````\n`` x ````` y `\n``````"],
    ["empty", "", "```\n```"],
  ])("%s", (_name, text, expected) => {
    expect(fence(text)).toBe(expected);
  });

  it("keeps the language tame", () => {
    expect(fence("x", "diff")).toBe("```diff\nx\n```");
    expect(fence("x", "di`ff\n<b>")).toBe("```diffb\nx\n```");
  });

  it("cannot be closed from inside", () => {
    const hostile = "```\n</details>\n````\n~~~\n    ```\n``````````";
    const { fences, problems } = structure(`${fence(hostile)}\n`);
    expect(problems).toEqual([]);
    expect(fences.map((f) => f.content)).toEqual([`${hostile}\n`]);
    expect(longestBacktickRun(hostile)).toBe(10);
  });
});

describe("inlineCode", () => {
  it.each([
    ["plain", "net", "`net`"],
    ["quotes and brackets", 'aws_instance.web["a b"]', '`aws_instance.web["a b"]`'],
    ["backticks inside", "a`b", "``a`b``"],
    ["backtick at an edge", "`x", "`` `x ``"],
    ["spaces at both edges", " x ", "`  x  `"],
    ["newlines flattened", "a\nb\r\nc", "`a b c`"],
    ["empty", "", "` `"],
    ["mention and ref", "@org/team #123", "`@org/team #123`"],
    ["html", "<img src=x onerror=alert(1)>", "`<img src=x onerror=alert(1)>`"],
    ["control characters", "a\x1b[31mb\u202ec", "`abc`"],
  ])("%s", (_name, text, expected) => {
    expect(inlineCode(text)).toBe(expected);
  });

  it("cuts at 200 characters without splitting a surrogate pair", () => {
    const long = "😀".repeat(300);
    const code = inlineCode(long);
    expect(code.length).toBeLessThanOrEqual(204);
    expect(code).toMatch(/^`(😀)+…`$/u);
  });
});

describe("escapeText", () => {
  it("neutralizes mentions, references, links, HTML and markdown", () => {
    const out = escapeText(
      "ping @org/team about #123 and GH-7, see https://evil.example or www.evil.example <img src=x> *b* [l](u) ~s~ $x$",
    );
    expect(out).not.toMatch(/@[a-z]/i);
    expect(out).not.toMatch(/#\d/);
    expect(out).not.toMatch(/GH-\d/);
    expect(out).not.toContain("://");
    expect(out).not.toMatch(/www\./i);
    expect(out).not.toContain("<");
    expect(out).toContain("&lt;img");
    expect(out).toContain("\\*b\\*");
    expect(out).toContain("\\[l\\](u)");
    expect(out).toContain("\\~s\\~");
    expect(out).toContain("\\$x\\$");
  });

  it("escapes block starts", () => {
    expect(escapeText("# title")).toBe("\\# title");
    expect(escapeText("- item")).toBe("\\- item");
    expect(escapeText("1. item")).toBe("1\\. item");
    expect(escapeText("> quote")).toBe("&gt; quote");
  });

  it("turns backtick-quoted parts into real code spans", () => {
    expect(escapeText("server setting `allow_fork_prs` is off")).toBe("server setting `allow_fork_prs` is off");
    expect(escapeText("flag `@x` ``a`b``")).toBe("flag `@x` ``a`b``");
    expect(escapeText("unbalanced ` tick")).toBe("unbalanced \\` tick");
  });

  it("keeps one line and cuts", () => {
    expect(escapeText("a\n\nb\tc")).toBe("a b c");
    expect(escapeText("x".repeat(600)).length).toBe(500);
  });
});

describe("cutIndex", () => {
  it("prefers a newline in the second half", () => {
    const text = "aaaa\nbbbbbbbb\ncc";
    expect(cutIndex(text, 0, 9)).toBe(5);
    expect(cutIndex(text, 0, 12)).toBe(12);
    expect(cutIndex(text, 0, 15)).toBe(14);
  });

  it("never splits a surrogate pair or a base and its combining marks", () => {
    const text = "ab😀c";
    expect(cutIndex(text, 0, 3)).toBe(2);
    const combining = "xe\u0301\u0302y";
    expect(cutIndex(combining, 0, 2)).toBe(1);
    expect(cutIndex(combining, 0, 3)).toBe(1);
    expect(cutIndex(combining, 0, 4)).toBe(4);
    const family = "a👨‍👩‍👧b";
    expect(cutIndex(family, 0, 5)).toBe(1);
  });

  it("always makes progress", () => {
    const zalgo = `a${"\u0301".repeat(100)}`;
    expect(cutIndex(zalgo, 0, 50)).toBeGreaterThan(0);
    expect(cutText("abcdef", 4)).toBe("abc…");
  });
});

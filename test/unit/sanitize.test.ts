import { describe, expect, it } from "vitest";
import { stripControl } from "../../src/util/sanitize.js";

describe("stripControl", () => {
  const cases: [string, string, string][] = [
    ["plain text", "Plan: 1 to add\n", "Plan: 1 to add\n"],
    ["SGR colors", "\x1b[1m\x1b[32mgreen\x1b[0m text", "green text"],
    ["CSI cursor moves", "a\x1b[2K\x1b[1Gb\x1b[?25l", "ab"],
    ["8-bit CSI", "a\x9b31mb", "ab"],
    ["OSC 8 hyperlink, ST terminated", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ here", "click here"],
    ["OSC title, BEL terminated", "\x1b]0;title\x07rest", "rest"],
    ["8-bit OSC with 8-bit ST", "a\x9d8;;http://x\x9cb", "ab"],
    ["unterminated OSC stops at the newline", "a\x1b]8;;http://x\nnext", "a\nnext"],
    ["DCS string", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"],
    ["charset selection", "a\x1b(Bb", "ab"],
    ["lone ESC at the end", "abc\x1b", "abc"],
    ["NUL and C0 controls", "a\x00b\x07c\x08d\x0be\x0cf\x1fg", "abcdefg"],
    ["DEL and C1 controls", "a\x7fb\x85c\x80d", "abcd"],
    ["8-bit APC string", "a\x9fpayload\x9cb", "ab"],
    ["tabs and newlines stay", "a\tb\nc", "a\tb\nc"],
    ["CRLF", "one\r\ntwo\r\n", "one\ntwo\n"],
    ["progress overwrites", "10%\r20%\r100%\n", "10%\n20%\n100%\n"],
    ["bidi overrides (Trojan Source)", "access\u202e\u2066 // admin\u2069\u2066 level", "access // admin level"],
    ["bidi embeddings and marks", "a\u202ab\u202cc\u200ed\u200f", "abcd"],
    ["zero-width characters", "p\u200ba\u200cs\u200ds\ufeff", "pass"],
    ["joiners inside emoji sequences stay", "👨\u200d👩\u200d👧 👍🏽\u200d🔥 ❤️\u200d🩹", "👨\u200d👩\u200d👧 👍🏽\u200d🔥 ❤️\u200d🩹"],
    ["joiners next to text go", "a\u200d😀 😀\u200db \u200d", "a😀 😀b "],
    ["BOM at the start", "\ufeffhello", "hello"],
    ["lone surrogates become U+FFFD", "a\ud800b\udc00c", "a\ufffdb\ufffdc"],
    ["emoji and CJK stay", "✅ 😀 日本語 é", "✅ 😀 日本語 é"],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(stripControl(input)).toBe(expected);
  });

  it("is idempotent", () => {
    const messy = "\x1b[31mred\x1b[0m\r\n\x1b]8;;u\x07l\x1b]8;;\x07\u202e\x00";
    expect(stripControl(stripControl(messy))).toBe(stripControl(messy));
  });

  it("leaves no escape or control character in a large mixed input", () => {
    const chunk = "\x1b[32m+\x1b[0m resource \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\r\n\x00\x9b1m\u202e";
    const out = stripControl(chunk.repeat(50_000));
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });
});

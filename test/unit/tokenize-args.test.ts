import { describe, expect, it } from "vitest";
import { tokenizeArgs } from "../../src/command/tokenize-args.js";

describe("tokenizeArgs", () => {
  it.each<[string, string[]]>([
    ["", []],
    ["   ", []],
    ["a b", ["a", "b"]],
    ["  a\t\tb  ", ["a", "b"]],
    ["a\u00A0b\u3000c\u2009d", ["a", "b", "c", "d"]],
    ["'a b'", ["a b"]],
    ['"a b"', ["a b"]],
    ["-var='a b'", ["-var=a b"]],
    ["'a'\"b\"c", ["abc"]],
    ["''", [""]],
    ["a '' b", ["a", "", "b"]],
    ['"it\'s"', ["it's"]],
    ["'say \"hi\"'", ['say "hi"']],
    ["'\u2018curly\u2019 inside'", ["\u2018curly\u2019 inside"]],
    ["a\\ b", ["a\\", "b"]],
    ["'a\\'", ["a\\"]],
    ["$HOME ~ *", ["$HOME", "~", "*"]],
    ["a;b && c|d > e `f` $(g)", ["a;b", "&&", "c|d", ">", "e", "`f`", "$(g)"]],
  ])("%j", (input, tokens) => {
    expect(tokenizeArgs(input)).toEqual({ ok: true, tokens });
  });

  it.each<[string, string]>([
    ["'a", "unterminated single quote (`'`)"],
    ['a "b', 'unterminated double quote (`"`)'],
    ["'a\"", "unterminated single quote (`'`)"],
    ["\u201Ca b\u201D", "use straight quotes (`'` or `\"`) instead of `\u201C`"],
    ["it\u2019s", "use straight quotes (`'` or `\"`) instead of `\u2019`"],
  ])("%j is refused", (input, reason) => {
    expect(tokenizeArgs(input)).toEqual({ ok: false, reason });
  });
});

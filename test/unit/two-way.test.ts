import { describe, expect, it } from "vitest";
import { longNeedle, longNeedleSpans } from "../../src/util/two-way.js";

/** Every occurrence by indexOf, overlapping or touching ones run together. */
function expected(text: string, needle: string): [number, number][] {
  const spans: [number, number][] = [];
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    const last = spans[spans.length - 1];
    if (last && at <= last[1]) last[1] = at + needle.length;
    else spans.push([at, at + needle.length]);
  }
  return spans;
}

const spansOf = (text: string, needle: string) => {
  const spans: [number, number][] = [];
  longNeedleSpans(text, longNeedle(needle), (start, end) => spans.push([start, end]));
  return spans;
};

describe("two-way search (the redactor's long secrets)", () => {
  it("finds what indexOf finds, overlapping occurrences as one span, on small alphabets where needles are periodic", () => {
    let seed = 7;
    const random = (k: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    for (let i = 0; i < 20_000; i++) {
      const letters = "ab\u0161"; // š: code units past a byte, sharing a with its low byte (the skip table)
      const size = 1 + random(3);
      const word = (length: number) => Array.from({ length }, () => letters[random(size)]).join("");
      const needle = word(1 + random(8));
      const text = word(random(40));
      expect(spansOf(text, needle), `${needle} in ${text}`).toEqual(expected(text, needle));
    }
  });

  it("a text of one repeated character is one span, whatever its length", () => {
    expect(spansOf("a".repeat(100_000), "a".repeat(5000))).toEqual([[0, 100_000]]);
    expect(spansOf(`x${"ab".repeat(10)}y`, "abab")).toEqual([[1, 21]]);
  });
});

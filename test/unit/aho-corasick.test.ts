import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildMatcher } from "../../src/util/aho-corasick.js";

/** What the matcher must report: at each end position, the longest needle ending there. */
function naive(needles: string[], text: string): [number, number][] {
  const found: [number, number][] = [];
  for (let end = 1; end <= text.length; end++) {
    const longest = Math.max(0, ...needles.filter((n) => n.length > 0 && text.slice(0, end).endsWith(n)).map((n) => n.length));
    if (longest > 0) found.push([end - longest, end]);
  }
  return found;
}

const scanAll = (needles: string[], text: string) => {
  const found: [number, number][] = [];
  buildMatcher(needles).scan(text, (start, end) => found.push([start, end]));
  return found;
};

describe("buildMatcher", () => {
  it("finds, at each position, the longest needle ending there (against a naive search)", () => {
    // A small alphabet makes needles share prefixes and suffixes: branching nodes and failure links.
    const word = fc.string({ unit: fc.constantFrom("a", "b", "c", "\u00e9", "\ud83d"), minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 12 }),
        fc.string({ unit: fc.constantFrom("a", "b", "c", "\u00e9", "\ud83d", "x"), maxLength: 60 }),
        (needles, text) => {
          expect(scanAll(needles, text)).toEqual(naive(needles, text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("handles needles that are prefixes, suffixes and infixes of each other", () => {
    expect(scanAll(["he", "she", "his", "hers"], "ushers")).toEqual([
      [1, 4],
      [2, 6],
    ]);
    expect(scanAll(["abcd", "bc"], "abcx")).toEqual([[1, 3]]);
    expect(scanAll(["aaa"], "aaaa")).toEqual([
      [0, 3],
      [1, 4],
    ]);
  });
});

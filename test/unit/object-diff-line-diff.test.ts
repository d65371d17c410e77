import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffLines, splitLines, unifiedDiff } from "../../runners/k8s/line-diff.js";

const text = (...lines: string[]) => lines.map((l) => `${l}\n`).join("");

/** Length of the longest common subsequence, by dynamic programming: the reference for minimality. */
function lcs(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] ?? 0;
      row[j] = x === b[j - 1] ? diag + 1 : Math.max(up, row[j - 1] ?? 0);
      diag = up;
    }
  }
  return row[b.length] ?? 0;
}

describe("diffLines", () => {
  it("rebuilds both sides and is minimal (as short as the LCS allows)", () => {
    const lines = fc.array(fc.constantFrom("a", "b", "c", "d", ""), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const edits = diffLines(a, b);
        expect(edits.filter((e) => e.op !== "+").map((e) => e.line)).toEqual(a);
        expect(edits.filter((e) => e.op !== "-").map((e) => e.line)).toEqual(b);
        expect(edits.filter((e) => e.op === " ").length).toBe(lcs(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it("handles empty sides", () => {
    expect(diffLines([], [])).toEqual([]);
    expect(diffLines(["x"], [])).toEqual([{ op: "-", line: "x" }]);
    expect(diffLines([], ["x"])).toEqual([{ op: "+", line: "x" }]);
  });

  it("stays linear-ish on large inputs with few changes", () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
    const b = [...a];
    b[100] = "changed";
    b.splice(15_000, 1);
    const edits = diffLines(a, b);
    expect(edits.filter((e) => e.op !== " ").length).toBe(3);
  });

  it("gives up on a common-line search past its limit, still correctly", () => {
    const a = Array.from({ length: 3000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 3000 }, (_, i) => `b${i}`);
    const edits = diffLines(a, b);
    expect(edits.filter((e) => e.op === "-").length).toBe(3000);
    expect(edits.filter((e) => e.op === "+").length).toBe(3000);
  });
});

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff(text("a", "b"), text("a", "b"))).toBe("");
  });

  it("writes @@ hunks with 3 lines of context", () => {
    const before = text("1", "2", "3", "4", "5", "6", "7", "8", "9");
    const after = text("1", "2", "3", "4", "five", "6", "7", "8", "9");
    expect(unifiedDiff(before, after)).toBe("@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
  });

  it("merges changes whose contexts touch and splits those that do not", () => {
    const lines = Array.from({ length: 30 }, (_, i) => String(i + 1));
    const near = [...lines];
    near[4] = "x";
    near[10] = "y";
    expect(unifiedDiff(text(...lines), text(...near)).match(/^@@/gm)).toHaveLength(1);
    const far = [...lines];
    far[4] = "x";
    far[20] = "y";
    const hunks = unifiedDiff(text(...lines), text(...far));
    expect(hunks.match(/^@@.*$/gm)).toEqual(["@@ -2,7 +2,7 @@", "@@ -18,7 +18,7 @@"]);
  });

  it("numbers pure insertions and deletions as diff(1) does", () => {
    expect(unifiedDiff("", text("a"))).toBe("@@ -0,0 +1,1 @@\n+a\n");
    expect(unifiedDiff(text("a"), "")).toBe("@@ -1,1 +0,0 @@\n-a\n");
    expect(unifiedDiff(text("a", "b"), text("a", "x", "b"))).toBe("@@ -1,2 +1,3 @@\n a\n+x\n b\n");
  });

  it("splits lines without a phantom last line", () => {
    expect(splitLines("")).toEqual([]);
    expect(splitLines("a\nb\n")).toEqual(["a", "b"]);
    expect(splitLines("a\nb")).toEqual(["a", "b"]);
  });
});

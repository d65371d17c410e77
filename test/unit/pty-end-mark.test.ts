import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { endMark } from "../../runners/pty-end-mark.js";

const MARK = "SLUICE-END-0123ABCD";

describe("a pty run's end mark", () => {
  it("passes the output before the mark, and ends at it once", () => {
    const m = endMark(MARK);
    expect(m.push("plan: 1 to add\n")).toEqual({ text: "plan: 1 to add\n", ended: false });
    expect(m.push(`done${MARK}\r\n`)).toEqual({ text: "done", ended: true });
    // The echo of Sluice's answer is the wrapper's.
    expect(m.push("\r\n")).toEqual({ text: "", ended: false });
  });

  it("holds back what may be the mark's start, and lets it go when it is not", () => {
    const m = endMark(MARK);
    expect(m.push("abc SLUICE-EN")).toEqual({ text: "abc ", ended: false });
    expect(m.push("D-no")).toEqual({ text: "SLUICE-END-no", ended: false });
    expect(m.push("x SLUICE")).toEqual({ text: "x ", ended: false });
    expect(m.flush()).toBe("SLUICE");
  });

  it("whatever the reads, the output before the mark is what was printed", () => {
    // Output made of the mark's own letters, to start it often without finishing it.
    const output = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(..."SLUICE-END-0x\n") }));
    fc.assert(
      fc.property(output, fc.array(fc.nat(60), { maxLength: 8 }), (before, cuts) => {
        fc.pre(!before.includes(MARK));
        const whole = `${before}${MARK}\r\n`;
        const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
        const m = endMark(MARK);
        let text = "";
        let ends = 0;
        let at = 0;
        for (const p of [...points, whole.length]) {
          const got = m.push(whole.slice(at, p));
          text += got.text;
          if (got.ended) ends++;
          at = p;
        }
        expect(text).toBe(before);
        expect(ends).toBe(1);
      }),
    );
  });
});

import { describe, expect, it } from "vitest";
import { atLeast, figure, missedBeyondNoise } from "../../bench/support/figure.js";
import { GOALS, goalsTable } from "../../bench/support/goals.js";
import { pairedNoise } from "../../bench/support/stats.js";

describe("the benchmark budget (npm run bench's exit code)", () => {
  const bound = { max: 1.1, label: "≤ 1.10" };

  it("measures noise as half the spread of the paired ratios over their median", () => {
    expect(pairedNoise([120, 100, 110], [100, 100, 100])).toBeCloseTo(0.1 / 1.1, 6);
    // One pair measures no spread.
    expect(pairedNoise([130], [100])).toBe(0);
  });

  it("a miss within its measured noise is not a regression; past it, or with no noise measured, it is", () => {
    const within = { ...figure("x", 1.15, "x", bound, ""), noise: 0.05 };
    const beyond = { ...figure("x", 1.25, "x", bound, ""), noise: 0.05 };
    const unmeasured = figure("x", 1.11, "x", bound, "");
    expect([within, beyond, unmeasured].map((f) => f.verdict)).toEqual(["MISS", "MISS", "MISS"]);
    expect(missedBeyondNoise(within)).toBe(false);
    expect(missedBeyondNoise(beyond)).toBe(true);
    expect(missedBeyondNoise(unmeasured)).toBe(true);
    // A figure that could not be measured is a miss, whatever noise it claims.
    expect(missedBeyondNoise({ ...figure("x", Number.NaN, "MB", bound, ""), noise: 0.5 })).toBe(true);
    // Control: a pass is never counted, whatever its noise.
    expect(missedBeyondNoise({ ...figure("x", 1.0, "x", bound, ""), noise: 0.5 })).toBe(false);
    // Lower bounds the same way.
    expect(missedBeyondNoise({ ...atLeast("r", 1.75, "x", 1.8, ""), noise: 0.05 })).toBe(false);
    expect(missedBeyondNoise({ ...atLeast("r", 1.6, "x", 1.8, ""), noise: 0.05 })).toBe(true);
  });

  it("ends with one row per goal of the issue, each from its figure, and says which were not run", () => {
    const table = goalsTable([{ ...figure("overhead.ratio N=20", 1.3, "x", bound, ""), noise: 0.04 }]);
    const rows = table.split("\n").slice(2);
    expect(rows).toHaveLength(GOALS.length);
    expect(rows[0]).toBe("| plan overhead vs raw terraform, 20 projects | 1.3 x ±4 % | ≤ 1.10 | MISS |");
    expect(rows.slice(1).every((r) => r.includes("not run"))).toBe(true);
  });
});

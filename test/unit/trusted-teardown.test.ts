import { describe, expect, it } from "vitest";
import { peakTeardownOf, trustedDeleted, withTrustedCount } from "../../src/gate/trusted-teardown.js";

describe("a teardown measured against the live record's trusted count", () => {
  it("caps what the plan file claims the state holds, never below what the plan deletes", () => {
    // The plan file claims fourteen, the last read-back found four.
    expect(trustedDeleted({ destroys: 3, held: 14 }, { now: 4, peak: 4 })).toEqual({ destroys: 3, held: 4 });
    // Control: a plan file claiming less than the count is taken at its word (stricter), and no count changes nothing.
    expect(trustedDeleted({ destroys: 1, held: 3 }, { now: 4, peak: 4 })).toEqual({ destroys: 1, held: 3 });
    expect(trustedDeleted({ destroys: 3, held: 14 }, undefined)).toEqual({ destroys: 3, held: 14 });
    // Each delete is of something the state holds: a count below the deletes cannot make them partial.
    expect(trustedDeleted({ destroys: 5, held: 9 }, { now: 2, peak: 4 })).toEqual({ destroys: 5, held: 5 });
  });

  it("holds a plan that leaves less than half of the most the project held since its last teardown", () => {
    expect(peakTeardownOf({ destroys: 1, held: 2 }, { now: 2, peak: 3 })).toEqual({ destroys: 2, held: 3, applied: 1, sincePeak: true });
    // Controls: half of it kept is no teardown; a state never larger than now, none; no count, none.
    expect(peakTeardownOf({ destroys: 1, held: 4 }, { now: 4, peak: 5 })).toBeUndefined();
    expect(peakTeardownOf({ destroys: 1, held: 2 }, { now: 2, peak: 2 })).toBeUndefined();
    expect(peakTeardownOf({ destroys: 1, held: 2 }, undefined)).toBeUndefined();
  });

  it("marks a drift plan's summary by the trusted count, and leaves one without a count as the runner read it", () => {
    const inflated = { deleted: { destroys: 3, held: 14 } };
    expect(withTrustedCount(inflated, { now: 4, peak: 4 })).toEqual({
      deleted: { destroys: 3, held: 4 },
      teardown: { destroys: 3, held: 4 },
    });
    expect(withTrustedCount(inflated, undefined)).toEqual(inflated);
    // Control: two of four is half, no teardown.
    expect(withTrustedCount({ deleted: { destroys: 2, held: 14 } }, { now: 4, peak: 4 })).toEqual({ deleted: { destroys: 2, held: 4 } });
  });
});

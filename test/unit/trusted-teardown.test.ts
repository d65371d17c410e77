import { describe, expect, it } from "vitest";
import { peakTeardownOf, stateChangesOf, trustedDeleted, withTrustedCount } from "../../src/gate/trusted-teardown.js";

describe("a teardown measured against the live record's trusted count", () => {
  it("caps what the plan file claims the state holds, never below what the plan deletes", () => {
    // The plan file claims fourteen, the last read-back found four.
    expect(trustedDeleted({ destroys: 3, held: 14 }, { now: 4, peak: 4, deletedSincePeak: 0 })).toEqual({ destroys: 3, held: 4 });
    // Control: a plan file claiming less than the count is taken at its word (stricter), and no count changes nothing.
    expect(trustedDeleted({ destroys: 1, held: 3 }, { now: 4, peak: 4, deletedSincePeak: 0 })).toEqual({ destroys: 1, held: 3 });
    expect(trustedDeleted({ destroys: 3, held: 14 }, undefined)).toEqual({ destroys: 3, held: 14 });
    // Each delete is of something the state holds: a count below the deletes cannot make them partial.
    expect(trustedDeleted({ destroys: 5, held: 9 }, { now: 2, peak: 4, deletedSincePeak: 2 })).toEqual({ destroys: 5, held: 5 });
  });

  it("holds a plan whose deletes with those applied since the project's peak are more than half of it", () => {
    expect(peakTeardownOf({ destroys: 1, held: 2 }, { now: 2, peak: 3, deletedSincePeak: 1 })).toEqual({
      destroys: 2,
      held: 3,
      applied: 1,
      sincePeak: true,
    });
    // Controls: half is no teardown; what left the state without a delete (forgotten) adds nothing; no count, none.
    expect(peakTeardownOf({ destroys: 1, held: 4 }, { now: 4, peak: 4, deletedSincePeak: 1 })).toBeUndefined();
    expect(peakTeardownOf({ destroys: 1, held: 2 }, { now: 2, peak: 10, deletedSincePeak: 0 })).toBeUndefined();
    // Resources replaced one by one below the peak (a delete and a create each) take nothing away:
    // two deleted, then four replaced, the state at 8 of 10.
    expect(peakTeardownOf({ destroys: 1, held: 8 }, { now: 8, peak: 10, deletedSincePeak: 6 })).toBeUndefined();
    expect(peakTeardownOf({ destroys: 4, held: 8 }, { now: 8, peak: 10, deletedSincePeak: 6 })).toEqual({
      destroys: 6,
      held: 10,
      applied: 2,
      sincePeak: true,
    });
    expect(peakTeardownOf({ destroys: 1, held: 2 }, undefined)).toBeUndefined();
  });

  it("counts what an applied plan adds to and deletes from its state", () => {
    const r = (address: string, action: "create" | "delete" | "replace" | "forget" | "update", importing?: boolean) => ({
      address,
      action,
      ...(importing ? { importing } : {}),
    });
    const resources = [
      r("a", "create"),
      r("b", "update", true),
      r("c", "replace"),
      r("d", "delete"),
      r("e", "forget"),
      r("c (deposed object 1a2b3c4d)", "delete"),
    ];
    expect(stateChangesOf({ resources, imports: ["f"] })).toEqual({ grows: 3, deletes: 1 });
  });

  it("marks a drift plan's summary by the trusted count, and leaves one without a count as the runner read it", () => {
    const inflated = { deleted: { destroys: 3, held: 14 } };
    expect(withTrustedCount(inflated, { now: 4, peak: 4, deletedSincePeak: 0 })).toEqual({
      deleted: { destroys: 3, held: 4 },
      teardown: { destroys: 3, held: 4 },
    });
    expect(withTrustedCount(inflated, undefined)).toEqual(inflated);
    // Control: two of four is half, no teardown.
    expect(withTrustedCount({ deleted: { destroys: 2, held: 14 } }, { now: 4, peak: 4, deletedSincePeak: 0 })).toEqual({
      deleted: { destroys: 2, held: 4 },
    });
  });
});

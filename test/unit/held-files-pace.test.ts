import { describe, expect, it } from "vitest";
import { type HeldFiles, heldFilesPaced } from "../../runners/sandbox/held-files.js";

/**
 * A run chooses what a measure of its held files costs (every mapping of every process is a line
 * of /proc/PID/maps the job thread reads; the budgets allow ~0.4 s a measure): measured every
 * memory tick (100 ms), one such run would hold the job thread all the time. The pacing, on a
 * clock the test drives: a measure that took C ms is made again only 4 C after it ended.
 */
function fakeRun(rootPid: number, costMs: number) {
  let clock = 0;
  let measures = 0;
  const measure = (): HeldFiles => {
    measures++;
    clock += costMs;
    return { diskBytes: 0, memoryBytes: 4096 * measures };
  };
  /** A tick at `at` ms: what the watch is told the run holds. */
  const tick = (at: number) => {
    clock = at;
    return heldFilesPaced([], rootPid, at, measure, () => clock);
  };
  return { tick, measures: () => measures };
}

describe("heldFilesPaced", () => {
  it("measures a costly run again only once four times its last measure's cost has passed", () => {
    const run = fakeRun(910_001, 80);
    for (let at = 0; at <= 1_000; at += 100) run.tick(at);
    // Measured at 0 (ends at 80, next at 80 + 320 = 400), 400 (next at 800), 800: 3 of 11 ticks.
    expect(run.measures()).toBe(3);
    // Between measures, the last one is what the watch is told (nothing is dropped).
    expect(run.tick(1_000).memoryBytes).toBe(3 * 4096);
  });

  it("control: a cheap run is measured at every tick, as before", () => {
    const run = fakeRun(910_002, 0.5);
    for (let at = 0; at <= 1_000; at += 100) run.tick(at);
    expect(run.measures()).toBe(11);
  });
});

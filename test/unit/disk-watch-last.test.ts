import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DISK_WATCH_INTERVAL_MS, FINAL_RETRY_MS, MAX_UNMEASURED, watchDisk } from "../../runners/sandbox/disk-watch.js";

// The measure once a run ended (supervise-run's `last`): a run that wrote past its limit after the
// last good measure is over it all the same. A failed final measure compared the stale figure
// with the limit (under it), and a hit the measure in flight at the end found was dropped for a new
// measure of what the run left (it may have removed what it wrote).
const LIMIT = 1000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A measure answering `answers` in turn: a number, an error to throw, or a promise the test settles. */
function measures(answers: (number | Error | Promise<number>)[]) {
  let asked = 0;
  const measure = async () => {
    const next = answers[Math.min(asked++, answers.length - 1)];
    if (next instanceof Error) throw next;
    return next ?? 0;
  };
  return { measure, asked: () => asked };
}

/** A watch that measured once per tick for `ticks` ticks, then the run ended: its `last`, with the retries' pauses let pass. */
async function endedAfter(answers: (number | Error)[], ticks: number) {
  const m = measures(answers);
  const hits: unknown[] = [];
  const watch = watchDisk(LIMIT, m.measure, (hit) => hits.push(hit));
  await vi.advanceTimersByTimeAsync(DISK_WATCH_INTERVAL_MS * ticks);
  watch.stop();
  const last = watch.last();
  await vi.advanceTimersByTimeAsync(FINAL_RETRY_MS * MAX_UNMEASURED);
  return { last: await last, hits, asked: m.asked() };
}

describe("the disk watch's measure at a run's end", () => {
  it("a final measure that fails is tried again: a run that wrote past its limit since its last good measure is over it", async () => {
    const r = await endedAfter([100, new Error("spawn du EAGAIN"), LIMIT + 1], 1);
    expect(r.hits).toEqual([]);
    expect(r.last).toEqual({ kind: "over", bytes: LIMIT + 1 });
    expect(r.asked).toBe(3);
  });

  it("a final measure failing MAX_UNMEASURED times in a row after a good one is unmeasured, not the stale figure", async () => {
    const r = await endedAfter([100, new Error("gone")], 1);
    expect(r.last).toEqual({ kind: "unmeasured", failures: MAX_UNMEASURED, error: "gone" });
    expect(r.asked).toBe(1 + MAX_UNMEASURED);
  });

  it("the final tries continue the watch's row: one failure while it ran leaves two", async () => {
    const r = await endedAfter([100, new Error("gone")], 2);
    expect(r.hits).toEqual([]);
    expect(r.last).toEqual({ kind: "unmeasured", failures: MAX_UNMEASURED, error: "gone" });
    expect(r.asked).toBe(1 + MAX_UNMEASURED);
  });

  it("control: a final measure that fails once, then reads under the limit, is under it", async () => {
    const r = await endedAfter([100, new Error("spawn du EAGAIN"), LIMIT - 1], 1);
    expect(r.last).toBeUndefined();
    expect(r.asked).toBe(3);
  });

  it("control: a final measure read at once is not tried again", async () => {
    const r = await endedAfter([100, LIMIT - 1, LIMIT + 1], 1);
    expect(r.last).toBeUndefined();
    expect(r.asked).toBe(2);
  });
});

describe("the measure in flight when a run ends", () => {
  /** A watch whose first measure starts, then the run ends, then that measure answers `inflight`; the final measure answers `after`. */
  async function endedWhileMeasuring(inflight: number, after: number) {
    let answer = (_bytes: number) => {};
    const first = new Promise<number>((resolve) => {
      answer = resolve;
    });
    const m = measures([first, after]);
    const hits: unknown[] = [];
    const watch = watchDisk(LIMIT, m.measure, (hit) => hits.push(hit));
    await vi.advanceTimersByTimeAsync(DISK_WATCH_INTERVAL_MS);
    expect(m.asked()).toBe(1);
    watch.stop();
    const last = watch.last();
    answer(inflight);
    return { last: await last, hits, asked: m.asked() };
  }

  it("over the limit, it counts, though the run removed what it wrote before the final measure", async () => {
    const r = await endedWhileMeasuring(LIMIT + 1, 10);
    expect(r.hits).toEqual([]);
    expect(r.last).toEqual({ kind: "over", bytes: LIMIT + 1 });
  });

  it("control: under the limit, the final measure decides (over it, or under it)", async () => {
    expect((await endedWhileMeasuring(LIMIT - 1, LIMIT + 1)).last).toEqual({ kind: "over", bytes: LIMIT + 1 });
    const under = await endedWhileMeasuring(LIMIT - 1, 10);
    expect(under.last).toBeUndefined();
    expect(under.asked).toBe(2);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DISK_WATCH_INTERVAL_MS, type DiskHit, duMeasure, MAX_UNMEASURED, watchDisk } from "../../runners/sandbox/disk-watch.js";

// A disk measure that fails is unknown, not nothing: counted as 0 bytes, a run whose disk could
// not be measured was never stopped for its disk limit, however much it wrote.
const LIMIT = 1000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Watches with `measures` answered in turn (a number, or an error to throw), for `ticks` ticks. */
async function watched(measures: (number | Error)[], ticks: number) {
  const hits: DiskHit[] = [];
  let asked = 0;
  const measure = async () => {
    const next = measures[Math.min(asked++, measures.length - 1)];
    if (next instanceof Error) throw next;
    return next ?? 0;
  };
  const watch = watchDisk(LIMIT, measure, (hit) => hits.push(hit));
  await vi.advanceTimersByTimeAsync(DISK_WATCH_INTERVAL_MS * ticks);
  return { hits, asked: () => asked, watch };
}

describe("the disk watch", () => {
  it("a measure that always fails stops the run after MAX_UNMEASURED in a row, saying why", async () => {
    const r = await watched([new Error("spawn du EAGAIN")], MAX_UNMEASURED + 2);
    expect(r.hits).toEqual([{ kind: "unmeasured", failures: MAX_UNMEASURED, error: "spawn du EAGAIN" }]);
    // Stopped measuring once it stopped the run.
    expect(r.asked()).toBe(MAX_UNMEASURED);
  });

  it("failures between good measures are not in a row: the run goes on", async () => {
    const failed = new Error("walk refused");
    const r = await watched([100, ...Array(MAX_UNMEASURED - 1).fill(failed), 200, ...Array(MAX_UNMEASURED - 1).fill(failed), 300], 10);
    expect(r.hits).toEqual([]);
    r.watch.stop();
  });

  it("the final measure counts in the row: a run whose every measure failed ends over its limit", async () => {
    const r = await watched([new Error("gone")], MAX_UNMEASURED - 1);
    expect(r.hits).toEqual([]);
    r.watch.stop();
    expect(await r.watch.last()).toEqual({ kind: "unmeasured", failures: MAX_UNMEASURED, error: "gone" });
  });

  it("control: a measure under the limit never stops the run, nor its final measure", async () => {
    const r = await watched([LIMIT - 1], 10);
    expect(r.hits).toEqual([]);
    expect(r.asked()).toBe(10);
    r.watch.stop();
    expect(await r.watch.last()).toBeUndefined();
  });

  it("control: a measure over the limit stops the run", async () => {
    const r = await watched([10, LIMIT + 1], 5);
    expect(r.hits).toEqual([{ kind: "over", bytes: LIMIT + 1 }]);
    expect(r.asked()).toBe(2);
  });
});

describe("the du script's measure (a tree too big for the spawner's walk)", () => {
  const done = { stderr: "", timedOut: false, exitCode: 0 };
  it("a du stopped at its timeout, or killed, is no measure: it throws, never 0 bytes", () => {
    expect(() => duMeasure({ ...done, stdout: "", timedOut: true, exitCode: null, signal: "SIGKILL" })).toThrow(
      "du did not finish in time",
    );
    expect(() => duMeasure({ ...done, stdout: "", exitCode: null, signal: "SIGKILL" })).toThrow("du did not finish (SIGKILL)");
  });

  it("control: a du that finished is read, a vanished file (exit 1) too; an unreadable dir is left out", () => {
    expect(duMeasure({ ...done, stdout: "8192\t/a\n4096\t/b\n\n2\t/a\n1\t/b\n" })).toEqual({ bytes: 12288, inodes: 3 });
    expect(duMeasure({ ...done, stdout: "\n\n", exitCode: 1, stderr: "du: cannot access '/a/x': No such file or directory" })).toEqual({
      bytes: 0,
      inodes: 0,
    });
    expect(
      duMeasure({ ...done, stdout: "4096\t/a\n\n1\t/a\n", exitCode: 1, stderr: "du: cannot read directory '/a/x': Permission denied" }),
    ).toBe(undefined);
  });
});

import { errorMessage } from "../../src/util/errors.js";

/** How often a run's disk use is measured (a walk of its dirs: dearer than the memory watch). */
export const DISK_WATCH_INTERVAL_MS = 1000;

/**
 * Measures in a row that may fail before the run is stopped. A failure is unknown, not nothing:
 * counted as 0 bytes, a run whose measure always failed was never stopped for its disk, however
 * much it wrote. A failure or two is let by (a spawn refused for a moment on a busy host must not
 * stop an apply half way); three in a row are three intervals in which the run's writes went unseen,
 * as long as one slow measure (a big tree's `du`) already leaves them: more is no longer a moment.
 */
export const MAX_UNMEASURED = 3;

/** Why the disk watch stops a run: over its limit, or not measured MAX_UNMEASURED times in a row. */
export type DiskHit = { kind: "over"; bytes: number } | { kind: "unmeasured"; failures: number; error: string };

/** The pause between two tries of a run's final measure that failed. */
export const FINAL_RETRY_MS = 100;

export interface DiskWatch {
  stop(): void;
  /**
   * The run's disk verdict once it ended: a hit the measure in flight found, else one more measure
   * (counted in the same row), tried again until it reads a figure or fails MAX_UNMEASURED in a row.
   */
  last(): Promise<DiskHit | undefined>;
}

/**
 * Measures what a run holds on disk every second (never two measures at once; none when
 * `watching` is false, only `last`) and calls `onHit` once when it is over `limitBytes`, or when
 * MAX_UNMEASURED measures in a row failed.
 */
export function watchDisk(limitBytes: number, measure: () => Promise<number>, onHit: (hit: DiskHit) => void, watching = true): DiskWatch {
  const gauge = diskGauge(limitBytes, measure);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<Gauged> = Promise.resolve({ measured: true });
  const tick = async () => {
    if (stopped) return;
    inflight = gauge();
    const { hit } = await inflight;
    // Stopped meanwhile (the run ended): `last` reads this hit.
    if (stopped) return;
    if (hit) {
      stopped = true;
      onHit(hit);
      return;
    }
    timer = setTimeout(tick, DISK_WATCH_INTERVAL_MS);
    timer.unref();
  };
  if (watching) {
    timer = setTimeout(tick, DISK_WATCH_INTERVAL_MS);
    timer.unref();
  }
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    async last() {
      // The run was over its limit (or unseen too long) while it ran: that it holds less once
      // ended (it removed what it wrote) does not undo it.
      const pending = await inflight;
      if (pending.hit) return pending.hit;
      // A failed measure says nothing of what the run wrote since the last good one: the figure
      // before it is stale, and comparing it with the limit let a run end under it unseen.
      for (;;) {
        const now = await gauge();
        if (now.measured || now.hit) return now.hit;
        await new Promise((resolve) => setTimeout(resolve, FINAL_RETRY_MS));
      }
    },
  };
}

/** One measure: whether it read a figure, and the hit it makes. */
interface Gauged {
  measured: boolean;
  hit?: DiskHit;
}

/** One measure against the limit, with the failures in a row before it. */
function diskGauge(limitBytes: number, measure: () => Promise<number>): () => Promise<Gauged> {
  let failures = 0;
  return async () => {
    let bytes: number;
    try {
      bytes = await measure();
      failures = 0;
    } catch (e) {
      failures++;
      // Below MAX_UNMEASURED a failure is let by: the last figure was under the limit (else the
      // watch stopped the run), and the next measure counts what was written meanwhile.
      return failures >= MAX_UNMEASURED
        ? { measured: false, hit: { kind: "unmeasured", failures, error: errorMessage(e) } }
        : { measured: false };
    }
    return bytes > limitBytes ? { measured: true, hit: { kind: "over", bytes } } : { measured: true };
  };
}

/**
 * Whether a walk of a run's dirs left some of them out: a dir the run made unreadable (`chmod 000`)
 * is skipped by `du` with "Permission denied" and counts as nothing, however much it holds (Sluice
 * runs as an ordinary user, whom the mode binds). `du` run with LC_ALL=C. A file removed during the
 * walk ("No such file or directory") is no longer there to count.
 */
export function duLeftOut(stderr: string): boolean {
  return /Permission denied/.test(stderr);
}

/** Bytes `du -s -B1` printed for each of its operands, added up. */
export function parseDuTotal(out: string): number {
  let total = 0;
  for (const line of out.split("\n")) {
    const n = Number(/^(\d+)\s/.exec(line)?.[1]);
    if (Number.isFinite(n)) total += n;
  }
  return total;
}

/**
 * Bytes and inodes from the run of exec.ts's `du` script (bytes, an empty line, then inodes), or
 * undefined when a dir in them was left out (a run made it unreadable). A script that did not
 * finish (timed out, killed) printed nothing: it throws, a measure unknown (watchDisk), where its
 * empty output was read as 0 bytes and a tree too big for `du` to walk in time was never over the limit.
 */
export function duMeasure(r: { stdout: string; stderr: string; timedOut: boolean; signal?: string; exitCode: number | null }) {
  if (r.timedOut || r.signal || r.exitCode === null)
    throw new Error(`du did not finish${r.timedOut ? " in time" : ` (${r.signal ?? "killed"})`}`);
  if (duLeftOut(r.stderr)) return undefined;
  const [bytes = "", inodes = ""] = r.stdout.split("\n\n");
  return { bytes: parseDuTotal(bytes), inodes: parseDuTotal(inodes) };
}

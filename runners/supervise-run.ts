import { readFileSync } from "node:fs";
import type { ExecRun, RunEnded } from "./exec-run.js";
import { type DiskHit, watchDisk } from "./sandbox/disk-watch.js";
import { holdDiskDirs } from "./sandbox/shared-disk-dirs.js";
import { watchLimits } from "./sandbox/limit-watch.js";
import { readTree } from "./sandbox/process-tree.js";
import { diskUnmeasured, type LimitHit, limitHit, rlimitHit } from "./sandbox/sandbox-limits.js";

export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Sends `signal` to the process group and to every descendant of `pid`: tools in a sandbox run
 * in a session of their own (outside the group), and so does whatever a PR started with setsid.
 * SIGKILL to bwrap itself also ends the whole sandbox: its init dies with it (--die-with-parent)
 * and with the init the kernel ends every process of the PID namespace.
 */
function signalTree(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  let tree: { pid: number }[] = [];
  try {
    tree = readTree(pid).filter((p) => p.pid !== pid);
  } catch {
    // No /proc: the process group is still signalled.
  }
  killGroup(pid, signal);
  for (const p of tree) {
    try {
      process.kill(p.pid, signal);
    } catch {
      // Gone already.
    }
  }
}

const commOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
};

/**
 * Asks the run's processes to stop (SIGTERM): the tool and what it started, but not bubblewrap's
 * own processes (the one Sluice started and the sandbox's init). Ending those ends the sandbox at
 * once (--die-with-parent, then the kernel kills its PID namespace), and terraform with it before
 * it saved a thing. A process that does not stop is killed with the rest after the grace period.
 */
function askToStop(pid: number | undefined): void {
  if (!pid) return;
  let tree: number[] = [];
  try {
    tree = readTree(pid).map((p) => p.pid);
  } catch {
    // No /proc: the whole group is asked, as before.
    killGroup(pid, "SIGTERM");
    return;
  }
  for (const p of new Set([pid, ...tree])) {
    if (commOf(p) === "bwrap") continue;
    try {
      process.kill(p, "SIGTERM");
    } catch {
      // Gone already.
    }
  }
}

/**
 * The timers and kills both spawn paths share: the step timeout (SIGTERM, then SIGKILL after the
 * grace period) and the sandbox's limits (SIGKILL at once, naming the limit; a run that changes
 * infrastructure, `stopGently`, is stopped as on a timeout, so that terraform saves its state and
 * helm cancels its upgrade).
 */
export async function superviseRun(run: ExecRun, pid: number | undefined, ended: Promise<RunEnded>) {
  let timedOut = false;
  let stopping = false;
  let limit: LimitHit | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  // SIGTERM once: a second one makes terraform exit at once, without saving its state.
  const stop = () => {
    if (stopping) return;
    stopping = true;
    askToStop(pid);
    killTimer = setTimeout(() => signalTree(pid, "SIGKILL"), run.grace);
  };
  const overLimit = () => (run.stopGently ? stop() : signalTree(pid, "SIGKILL"));
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, run.timeoutMs);
  const watch =
    pid && run.sandbox
      ? watchLimits(
          pid,
          run.sandbox.limits,
          (hit) => {
            limit ??= hit;
            overLimit();
          },
          { sandboxTmp: run.sandbox.bwrap !== undefined },
        )
      : undefined;
  const disk = run.sandbox?.limits.diskBytes;
  const measureDisk = () => run.measureDisk(pid);
  const diskDirs = disk ? (run.sandbox?.diskDirs ?? []) : [];
  const held = holdDiskDirs(diskDirs);
  const diskHit = (hit: DiskHit) =>
    hit.kind === "over"
      ? limitHit("disk", run.sandbox?.limits ?? {}, held.shared())
      : diskUnmeasured(run.sandbox?.limits ?? {}, hit.failures, hit.error);
  const diskWatch =
    disk && diskDirs.length
      ? watchDisk(
          disk,
          measureDisk,
          (hit) => {
            limit ??= diskHit(hit);
            overLimit();
          },
          pid !== undefined,
        )
      : undefined;
  let end: RunEnded;
  try {
    end = await ended;
    watch?.stop();
    diskWatch?.stop();
    clearTimeout(timer);
    if (killTimer) clearTimeout(killTimer);
    if (stopping) killGroup(pid, "SIGKILL");
    limit ??= run.sandbox ? rlimitHit(run.sandbox.limits, end) : undefined;
    // A run that wrote past the quota between two measures and ended is over it all the same.
    const last = limit ? undefined : await diskWatch?.last();
    if (last) limit = { ...diskHit(last), atEnd: true };
  } finally {
    held.release();
  }
  return { ...end, timedOut, limit, peakMemoryBytes: watch?.peakBytes() };
}

import type { ExecRun, RunEnded } from "./exec-run.js";
import { watchDisk } from "./sandbox/disk-watch.js";
import { holdDiskDirs } from "./sandbox/shared-disk-dirs.js";
import { watchLimits } from "./sandbox/limit-watch.js";
import { readTree } from "./sandbox/process-tree.js";
import { type LimitHit, limitHit, rlimitHit } from "./sandbox/sandbox-limits.js";

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

/**
 * The timers and kills both spawn paths share: the step timeout (SIGTERM, then SIGKILL after the
 * grace period) and the sandbox's limits (SIGKILL at once, naming the limit).
 */
export async function superviseRun(run: ExecRun, pid: number | undefined, ended: Promise<RunEnded>) {
  let timedOut = false;
  let limit: LimitHit | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    signalTree(pid, "SIGTERM");
    killTimer = setTimeout(() => signalTree(pid, "SIGKILL"), run.grace);
  }, run.timeoutMs);
  const watch =
    pid && run.sandbox
      ? watchLimits(
          pid,
          run.sandbox.limits,
          (hit) => {
            limit = hit;
            signalTree(pid, "SIGKILL");
          },
          { sandboxTmp: run.sandbox.bwrap !== undefined },
        )
      : undefined;
  const disk = run.sandbox?.limits.diskBytes;
  const measureDisk = () => run.measureDisk(pid);
  const diskDirs = disk ? (run.sandbox?.diskDirs ?? []) : [];
  const held = holdDiskDirs(diskDirs);
  const stopDisk =
    pid && diskDirs.length
      ? watchDisk(disk ?? 0, measureDisk, () => {
          limit ??= limitHit("disk", run.sandbox?.limits ?? {}, held.shared());
          signalTree(pid, "SIGKILL");
        })
      : () => undefined;
  let end: RunEnded;
  try {
    end = await ended;
    watch?.stop();
    stopDisk();
    clearTimeout(timer);
    if (killTimer) clearTimeout(killTimer);
    if (timedOut) killGroup(pid, "SIGKILL");
    limit ??= run.sandbox ? rlimitHit(run.sandbox.limits, end) : undefined;
    // A run that wrote past the quota between two measures and ended is over it all the same.
    if (!limit && disk && diskDirs.length && (await measureDisk().catch(() => 0)) > disk) {
      limit = limitHit("disk", run.sandbox?.limits ?? {}, held.shared());
    }
  } finally {
    held.release();
  }
  return { ...end, timedOut, limit, peakMemoryBytes: watch?.peakBytes() };
}

import { readFileSync, readlinkSync, statfsSync } from "node:fs";
import { heldFilesPaced } from "./held-files.js";
import { descendants, type ProcStat, readTree, treeUsage } from "./process-tree.js";
import { type LimitHit, limitHit, type SandboxLimits } from "./sandbox-limits.js";

/** How often a run's process tree is measured. A run can overshoot its memory limit by what it allocates in this time. */
export const WATCH_INTERVAL_MS = 100;
/**
 * The first measurement comes later: most tool steps end sooner, and measuring them would only
 * slow them down. A runaway gets this much time more (its rlimits hold meanwhile).
 */
export const WATCH_START_MS = 250;

let pageSize: number | undefined;

/** The kernel's page size, from this process's own RSS in pages and in kB (read once). */
function pageBytes(): number {
  if (pageSize) return pageSize;
  try {
    const kb = Number(/VmRSS:\s*(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1]);
    const pages = Number(readFileSync("/proc/self/statm", "utf8").split(" ")[1]);
    const ratio = (kb * 1024) / pages;
    pageSize = [4096, 16384, 65536].reduce((a, b) => (Math.abs(b - ratio) < Math.abs(a - ratio) ? b : a));
  } catch {
    pageSize = 4096;
  }
  return pageSize;
}

/** statfs magic of tmpfs. */
const TMPFS_MAGIC = 0x01021994;

/** What a file in the sandbox's tmpfs's counts for at least: a page. */
const BYTES_PER_FILE = 4096;

/** The sandbox's private tmpfs's (bwrap-argv.ts): a run can write files into both. */
const SANDBOX_TMPFS = ["tmp", "dev/shm"];

/**
 * Bytes held in the sandbox's private /tmp and /dev/shm: tmpfs's, whose files are memory no
 * process's RSS shows (each file at least BYTES_PER_FILE: an empty one holds an inode). Read through a process inside the sandbox (`/proc/PID/root` is its view of
 * the file system); 0 when there is none yet or the file system there is no tmpfs. A process still
 * in Sluice's own mount namespace (bwrap before it set the sandbox up) is skipped: its /tmp and
 * /dev/shm are the host's.
 */
export function sandboxTmpBytes(stats: readonly ProcStat[], rootPid: number, proc = "/proc"): number {
  const own = mountNamespace(`${proc}/self`);
  for (const p of descendants(stats, rootPid)) {
    if (p.pid === rootPid) continue;
    try {
      if (own !== undefined && mountNamespace(`${proc}/${p.pid}`) === own) continue;
      const held = SANDBOX_TMPFS.map((dir) => statfsSync(`${proc}/${p.pid}/root/${dir}`)).filter((fs) => fs.type === TMPFS_MAGIC);
      if (held.length === 0) continue;
      // An empty file holds no page but an inode, which is the kernel's memory: each file counts a page at least.
      return held.reduce((sum, fs) => sum + Math.max((fs.blocks - fs.bfree) * fs.bsize, (fs.files - fs.ffree) * BYTES_PER_FILE), 0);
    } catch {
      // Gone, or not yet in its namespace: the next one.
    }
  }
  return 0;
}

function mountNamespace(procDir: string): string | undefined {
  try {
    return readlinkSync(`${procDir}/ns/mnt`);
  } catch {
    return undefined;
  }
}

/**
 * Measures the processes under `rootPid` (the sandbox: bwrap and everything it started, which all
 * stay its descendants because the sandbox's init reaps orphans) and calls `onHit` once when the
 * run's memory or task count reaches its limit. Memory is the processes' resident memory, the
 * memfds they hold (heldFiles) and, with `sandboxTmp`, what the files in the sandbox's /tmp and
 * /dev/shm hold. Returns a stop function and the
 * largest memory measured (what the memory budget learns of the run's project).
 */
export function watchLimits(
  rootPid: number,
  limits: SandboxLimits,
  onHit: (hit: LimitHit) => void,
  opts: { sandboxTmp?: boolean } = {},
): { stop: () => void; peakBytes: () => number | undefined } {
  if (!limits.memoryBytes && !limits.processes) return { stop: () => undefined, peakBytes: () => undefined };
  let stopped = false;
  let peak: number | undefined;
  const page = pageBytes();
  const tick = () => {
    if (stopped) return;
    try {
      const stats = readTree(rootPid);
      const usage = treeUsage(stats, rootPid);
      const held = heldFilesPaced(stats, rootPid);
      const memory = usage.rssPages * page + held.memoryBytes + (opts.sandboxTmp ? sandboxTmpBytes(stats, rootPid) : 0);
      peak = Math.max(peak ?? 0, memory);
      if (limits.processes && usage.tasks >= limits.processes) {
        stopped = true;
        onHit(limitHit("processes", limits));
      } else if (held.tooMany) {
        // Its memfds and unlinked files were not all read: measured no further, it is stopped.
        stopped = true;
        onHit(limitHit("open_files", limits));
      } else if (limits.memoryBytes && memory > limits.memoryBytes) {
        stopped = true;
        onHit(limitHit("memory", limits));
      }
    } catch {
      // /proc unreadable for a moment: the next tick measures again.
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    tick();
    timer = setInterval(tick, WATCH_INTERVAL_MS);
    timer.unref();
  }, WATCH_START_MS);
  first.unref();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(first);
      if (timer) clearInterval(timer);
    },
    peakBytes: () => peak,
  };
}

import { type Dir, opendirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { descendants, type ProcStat } from "./process-tree.js";
import { MAX_MAPPINGS, MAX_OPEN_FILES } from "./sandbox-limits.js";

/** Bytes a run's processes hold in files no dir shows, by the limit they count in. */
export interface HeldFiles {
  /** Unlinked files still open, on the disk of its dirs (`du` walks names, so it misses them). */
  diskBytes: number;
  /** memfds: memory no process's RSS shows until it is mapped. */
  memoryBytes: number;
  /** The processes hold more than MAX_OPEN_FILES descriptors or MAX_MAPPINGS mappings: the rest were not read (the bytes fall short). */
  tooMany?: boolean;
}

const DELETED = " (deleted)";

/**
 * Files the processes under `rootPid` hold open or mapped that have no name left: a run can open
 * a file, unlink it and go on writing, or write into a memfd, or map either and close it, and so
 * hold space that neither the disk limit's walk of its dirs nor the memory limit's RSS sees (a
 * mapping never touched is no RSS). Each file counts once (by device and inode) with the blocks
 * it holds. Files in the sandbox's own tmpfs's (/tmp, /dev/shm) are left out: sandboxTmpBytes
 * counts them with their file system.
 */
export function heldFiles(stats: readonly ProcStat[], rootPid: number, proc = "/proc"): HeldFiles {
  const seen = new Set<string>();
  const held: HeldFiles = { diskBytes: 0, memoryBytes: 0 };
  // Each descriptor costs a readlink on the job thread: read no more than MAX_OPEN_FILES of them,
  // one directory entry at a time (a process's fd dir can list a million).
  let budget = MAX_OPEN_FILES;
  let mapBudget = MAX_MAPPINGS;
  /** Mapped files with no name that could not be stat'ed: the largest span of each (by device and inode), and whether it is in the run's own tmpfs's. */
  const spans = new Map<string, { bytes: number; ownTmp: boolean; statKey: string }>();
  for (const p of descendants(stats, rootPid)) {
    let dir: Dir;
    try {
      dir = opendirSync(`${proc}/${p.pid}/fd`);
    } catch {
      continue;
    }
    let tmpfs: Set<number> | undefined;
    /** A file with no name left, at `path` (a link to it under /proc): counted once, where it belongs. */
    const count = (target: string, path: string): boolean => {
      try {
        const st = statSync(path);
        const key = `${st.dev}:${st.ino}`;
        if (!st.isFile() || seen.has(key)) return true;
        seen.add(key);
        if (target.startsWith("/memfd:")) {
          held.memoryBytes += st.blocks * 512;
          return true;
        }
        tmpfs ??= tmpfsDevices(proc, p.pid);
        if (!tmpfs.has(st.dev)) held.diskBytes += st.blocks * 512;
        return true;
      } catch {
        // Closed or unmapped, or the process gone, meanwhile; or not ours to stat (map_files).
        return false;
      }
    };
    try {
      for (let entry = readEntry(dir); entry !== null; entry = readEntry(dir)) {
        if (--budget < 0) return { ...held, tooMany: true };
        const path = `${proc}/${p.pid}/fd/${entry}`;
        try {
          const target = readlinkSync(path);
          if (target.endsWith(DELETED)) count(target, path);
        } catch {
          // Closed, or the process gone, meanwhile.
        }
      }
    } finally {
      dir.closeSync();
    }
    // A file mapped, then closed and unlinked, has no descriptor: its mapping holds it. Mappings
    // have a budget of their own (a process can have tens of thousands; reading them is cheap).
    for (const line of mappings(proc, p.pid)) {
      if (--mapBudget < 0) return { ...held, tooMany: true };
      if (!line.endsWith(DELETED)) continue;
      const [, range, file, target] = MAPPED_DELETED.exec(line) ?? [];
      // System V shared memory (`/SYSVxxxxxxxx`) is a known gap (docs/known-gaps.md), not a file of the run's.
      if (!range || !file || !target || target.startsWith("/SYSV")) continue;
      // map_files answers only a process with CAP_SYS_ADMIN (the image runs without it): then what
      // the mapping spans is what is known of the file.
      if (!count(target, `${proc}/${p.pid}/map_files/${range}`)) {
        tmpfs ??= tmpfsDevices(proc, p.pid);
        const key = `${target}\0${file}`;
        spans.set(key, {
          bytes: Math.max(spans.get(key)?.bytes ?? 0, spanOf(range)),
          ownTmp: inOwnTmp(target, file, tmpfs),
          statKey: statKeyOf(file),
        });
      }
    }
  }
  for (const [key, { bytes, ownTmp, statKey }] of spans) {
    // Open too (a descriptor of any process of the run): counted there, with its blocks.
    if (seen.has(statKey)) continue;
    // The sandbox's own tmpfs's are counted whole, by their file system (sandboxTmpBytes).
    if (key.startsWith("/memfd:")) held.memoryBytes += bytes;
    else if (!ownTmp) held.diskBytes += bytes;
  }
  return held;
}

/** The bytes an address range `start-end` of /proc/PID/maps spans. */
function spanOf(range: string): number {
  const [start = "0", end = "0"] = range.split("-");
  return Number.parseInt(end, 16) - Number.parseInt(start, 16);
}

/** The last measure of each run's held files (by its root's pid), when it ended and what it took. */
const lastMeasures = new Map<number, { at: number; cost: number; held: HeldFiles }>();
/** A measure is made again once this many times what the last one took has passed. */
const PACE = 4;
/** A measure older than this is no run's any more (its pid may be another run's). */
const FORGET_MS = 60_000;

/**
 * heldFiles, measured again only once PACE times what the last measure of the run took has
 * passed; the last measure until then. Its cost is the run's to choose: within the budgets
 * (MAX_OPEN_FILES descriptors, MAX_MAPPINGS mappings, ~0.4 s a measure) a run measured every
 * memory tick (100 ms) and every disk measure would hold the job thread, and every other run's
 * output and timers with it, all the time. What a cheap run holds is measured as often as before.
 */
export function heldFilesPaced(
  stats: readonly ProcStat[],
  rootPid: number,
  now = performance.now(),
  measure: (stats: readonly ProcStat[], rootPid: number) => HeldFiles = heldFiles,
  clock: () => number = () => performance.now(),
): HeldFiles {
  const last = lastMeasures.get(rootPid);
  if (last && now - last.at < last.cost * PACE) return last.held;
  for (const [pid, m] of lastMeasures) if (now - m.at > FORGET_MS) lastMeasures.delete(pid);
  const start = clock();
  const held = measure(stats, rootPid);
  const cost = clock() - start;
  // From its end: the thread is the others' for PACE times as long as the measure held it.
  lastMeasures.set(rootPid, { at: now + cost, cost, held });
  return held;
}

/** A line of /proc/PID/maps for a file with no name left: its address range and what it mapped. */
const MAPPED_DELETED = /^([0-9a-f]+-[0-9a-f]+) \S+ \S+ (\S+ [1-9]\d*) +(\/.* \(deleted\))$/;

/** The lines of a process's /proc/PID/maps; none when it is gone. */
function mappings(proc: string, pid: number): string[] {
  try {
    return readFileSync(`${proc}/${pid}/maps`, "utf8").split("\n");
  } catch {
    return [];
  }
}

/** The next entry's name of an fd dir; null at its end or when the process is gone meanwhile. */
function readEntry(dir: Dir): string | null {
  try {
    return dir.readSync()?.name ?? null;
  } catch {
    return null;
  }
}

/**
 * Whether a mapped file with no name left (`file`: the maps line's "MAJOR:MINOR INODE") lies in
 * the run's own /tmp or /dev/shm: by its device where those could be read, since a host dir bound
 * under those paths (SLUICE_WORKTREE_DIR on /dev/shm, a data dir in /tmp) is not the sandbox's
 * tmpfs and counts on disk; by its path where they could not.
 */
function inOwnTmp(target: string, file: string, tmpfs: ReadonlySet<number>): boolean {
  const underTmp = target.startsWith("/tmp/") || target.startsWith("/dev/shm/");
  if (!underTmp || tmpfs.size === 0) return underTmp;
  return tmpfs.has(deviceOf(file));
}

/** The device of a maps line's "MAJOR:MINOR INODE" (hex), as stat(2) gives it. */
function deviceOf(file: string): number {
  const [major = "", minor = ""] = (file.split(" ")[0] ?? "").split(":");
  return linuxDev(Number.parseInt(major, 16), Number.parseInt(minor, 16));
}

/** The key `count` files a file under (its stat's device and inode), from a maps line's "MAJOR:MINOR INODE". */
function statKeyOf(file: string): string {
  return `${deviceOf(file)}:${file.split(" ")[1] ?? ""}`;
}

/**
 * A device number as Node's stat gives it on Linux (glibc's makedev) from its major and minor. In
 * arithmetic, not 32-bit bitwise operators: a minor past 0x7ffff shifted by 12 would turn negative.
 */
export function linuxDev(major: number, minor: number): number {
  return (minor % 0x100) + (major % 0x1000) * 0x100 + Math.floor(minor / 0x100) * 0x100000 + Math.floor(major / 0x1000) * 2 ** 44;
}

/** The devices of a process's /tmp and /dev/shm (in the sandbox: its private tmpfs's). */
function tmpfsDevices(proc: string, pid: number): Set<number> {
  const devices = new Set<number>();
  for (const dir of ["tmp", "dev/shm"]) {
    try {
      devices.add(statSync(`${proc}/${pid}/root/${dir}`).dev);
    } catch {
      // None there.
    }
  }
  return devices;
}

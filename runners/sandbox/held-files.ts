import { type Dir, opendirSync, readlinkSync, statSync } from "node:fs";
import { descendants, type ProcStat } from "./process-tree.js";
import { MAX_OPEN_FILES } from "./sandbox-limits.js";

/** Bytes a run's processes hold in files no dir shows, by the limit they count in. */
export interface HeldFiles {
  /** Unlinked files still open, on the disk of its dirs (`du` walks names, so it misses them). */
  diskBytes: number;
  /** memfds: memory no process's RSS shows until it is mapped. */
  memoryBytes: number;
  /** The processes hold more than MAX_OPEN_FILES descriptors: the rest were not read (the bytes fall short). */
  tooMany?: boolean;
}

const DELETED = " (deleted)";

/**
 * Files the processes under `rootPid` hold open that have no name left: a run can open a file,
 * unlink it and go on writing, or write into a memfd, and so hold space that neither the disk
 * limit's walk of its dirs nor the memory limit's RSS sees. Each file counts once (by device and
 * inode) with the blocks it holds. Files in the sandbox's own tmpfs's (/tmp, /dev/shm) are left
 * out: sandboxTmpBytes counts them with their file system.
 */
export function heldFiles(stats: readonly ProcStat[], rootPid: number, proc = "/proc"): HeldFiles {
  const seen = new Set<string>();
  const held: HeldFiles = { diskBytes: 0, memoryBytes: 0 };
  // Each descriptor costs a readlink on the job thread: read no more than MAX_OPEN_FILES of them,
  // one directory entry at a time (a process's fd dir can list a million).
  let budget = MAX_OPEN_FILES;
  for (const p of descendants(stats, rootPid)) {
    let dir: Dir;
    try {
      dir = opendirSync(`${proc}/${p.pid}/fd`);
    } catch {
      continue;
    }
    let tmpfs: Set<number> | undefined;
    try {
      for (let entry = readEntry(dir); entry !== null; entry = readEntry(dir)) {
        if (--budget < 0) return { ...held, tooMany: true };
        const path = `${proc}/${p.pid}/fd/${entry}`;
        try {
          const target = readlinkSync(path);
          if (!target.endsWith(DELETED)) continue;
          const st = statSync(path);
          const key = `${st.dev}:${st.ino}`;
          if (!st.isFile() || seen.has(key)) continue;
          seen.add(key);
          if (target.startsWith("/memfd:")) {
            held.memoryBytes += st.blocks * 512;
            continue;
          }
          tmpfs ??= tmpfsDevices(proc, p.pid);
          if (!tmpfs.has(st.dev)) held.diskBytes += st.blocks * 512;
        } catch {
          // Closed, or the process gone, meanwhile.
        }
      }
    } finally {
      dir.closeSync();
    }
  }
  return held;
}

/** The next entry's name of an fd dir; null at its end or when the process is gone meanwhile. */
function readEntry(dir: Dir): string | null {
  try {
    return dir.readSync()?.name ?? null;
  } catch {
    return null;
  }
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

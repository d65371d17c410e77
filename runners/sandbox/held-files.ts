import { readdirSync, readlinkSync, statSync } from "node:fs";
import { descendants, type ProcStat } from "./process-tree.js";

/** Bytes a run's processes hold in files no dir shows, by the limit they count in. */
export interface HeldFiles {
  /** Unlinked files still open, on the disk of its dirs (`du` walks names, so it misses them). */
  diskBytes: number;
  /** memfds: memory no process's RSS shows until it is mapped. */
  memoryBytes: number;
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
  for (const p of descendants(stats, rootPid)) {
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${p.pid}/fd`);
    } catch {
      continue;
    }
    let tmpfs: Set<number> | undefined;
    for (const fd of fds) {
      const path = `${proc}/${p.pid}/fd/${fd}`;
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
  }
  return held;
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

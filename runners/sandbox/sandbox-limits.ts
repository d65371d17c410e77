/**
 * Resource limits of one sandboxed run. Processes and file size are rlimits set by `prlimit`
 * inside the sandbox (the kernel enforces them); memory and processes are also watched from the
 * outside (limit-watch.ts), because RLIMIT_NPROC does not bind a sandbox started by root and no
 * rlimit caps the memory of a whole process tree.
 */
export type LimitName = "memory" | "processes" | "file_size" | "disk" | "open_files";

/**
 * Descriptors the run's processes may hold together. The measures read each one (a readlink, to
 * find unlinked files and memfds) on the job thread every tick: past this many a run could make each
 * measure take seconds (150,000 took ~0.7 s), so it is stopped instead. Tools hold hundreds.
 */
export const MAX_OPEN_FILES = 16_384;
/**
 * Memory mappings the run's processes may hold together (each process's list is one read, and
 * only a deleted file's line costs a stat). Linux lets one process have 65,530; a Go tool holds a
 * few dozen, a JVM or Node process a few thousand: four processes at Linux's own cap fit.
 */
export const MAX_MAPPINGS = 262_144;

export interface SandboxLimits {
  /** Resident memory of every process of the run together, in bytes. */
  memoryBytes?: number;
  /** Tasks (processes and threads) of the run together. */
  processes?: number;
  /** Largest file the run may write, in bytes. */
  fileSizeBytes?: number;
  /** What the run's own dirs (checkout, plan dir) and its /tmp may hold together, in bytes. */
  diskBytes?: number;
}

export interface LimitHit {
  name: LimitName;
  /** "memory limit of 512 MiB", for the PR comment. */
  message: string;
  /**
   * Found by the disk measure at the run's end, after it ended by itself: nothing stopped it, and
   * how it ended (its exit code) is still what it did.
   */
  atEnd?: true;
}

const UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
  ti: 1024 ** 4,
};

/** `512Mi`, `4Gi`, `1G`, `1048576`: bytes, or undefined when the text is no size. */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isSafeInteger(text) && text > 0 ? text : undefined;
  const m = /^(\d+)\s*([kmgt]i?)?b?$/i.exec(text.trim());
  if (!m) return undefined;
  const bytes = Number(m[1]) * (UNITS[(m[2] ?? "").toLowerCase()] ?? Number.NaN);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ["TiB", 1024 ** 4],
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** `sharedDisk`: the run's dirs were written by other runs too while it ran (see shared-disk-dirs.ts). */
export function limitHit(name: LimitName, limits: SandboxLimits, sharedDisk = false): LimitHit {
  const bytes = { memory: limits.memoryBytes, file_size: limits.fileSizeBytes, disk: limits.diskBytes, processes: 0, open_files: 0 }[name];
  const value =
    name === "processes"
      ? `${limits.processes} processes and threads`
      : name === "open_files"
        ? `${MAX_OPEN_FILES} descriptors or ${MAX_MAPPINGS} memory mappings across the run's processes`
        : formatSize(bytes ?? 0);
  const label = name === "file_size" ? "file size" : name === "open_files" ? "open files" : name;
  const shared =
    name === "disk" && sharedDisk
      ? " by its checkout, which other projects' runs wrote to at the same time (the limit counts the checkout as a whole)"
      : "";
  return { name, message: `the ${label} limit (${value}) was exceeded${shared}` };
}

/** A run whose disk use could not be measured `failures` times in a row: its limit could not be held. */
export function diskUnmeasured(limits: SandboxLimits, failures: number, error: string): LimitHit {
  return {
    name: "disk",
    message: `its disk use could not be measured ${failures} times in a row (${error}), so the disk limit (${formatSize(limits.diskBytes ?? 0)}) could not be held`,
  };
}

/**
 * `prlimit` argv in front of the command. RLIMIT_NPROC counts the tasks of the sandbox's user
 * namespace, which also holds bwrap's own init: one more than the limit.
 */
export function prlimitArgv(limits: SandboxLimits, prlimit = "prlimit"): string[] {
  const flags: string[] = [];
  if (limits.processes) flags.push(`--nproc=${limits.processes + 1}`);
  if (limits.fileSizeBytes) flags.push(`--fsize=${limits.fileSizeBytes}`);
  return flags.length ? [prlimit, ...flags, "--"] : [];
}

/** SIGXFSZ: the kernel's answer to a write past RLIMIT_FSIZE. bwrap exits 128 + the child's signal. */
const SIGXFSZ = 25;

/** Which rlimit, if any, ended a run, from how it ended. */
export function rlimitHit(limits: SandboxLimits, ended: { exitCode: number | null; signal?: string }): LimitHit | undefined {
  if (!limits.fileSizeBytes) return undefined;
  if (ended.signal === "SIGXFSZ" || ended.exitCode === 128 + SIGXFSZ) return limitHit("file_size", limits);
  return undefined;
}

import { lstatSync } from "node:fs";
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import { childEnv } from "./child-env.js";
import { execPipe, walkDisk } from "./exec-pipe.js";
import { execPty } from "./exec-pty.js";
import type { ExecRun } from "./exec-run.js";
import { duMeasure } from "./sandbox/disk-watch.js";
import { heldFilesPaced } from "./sandbox/held-files.js";
import { sandboxTmpBytes } from "./sandbox/limit-watch.js";
import { readTree } from "./sandbox/process-tree.js";
import { type SandboxRun, resolveMounts, sandboxCommand } from "./sandbox/sandbox-command.js";
import type { LimitHit } from "./sandbox/sandbox-limits.js";
import { findBinary } from "./sandbox/sandbox.js";
import { ToolMissingError } from "./spawn-error.js";
import type { PrintedState } from "./withheld-state.js";

/**
 * The one place Sluice spawns processes. argv arrays only (no shell), an allowlisted environment,
 * a timeout that kills the whole process group, and output handed back already redacted.
 */
export interface ExecOptions {
  cwd: string;
  /** Added to the allowlisted base environment (forbidden names are still dropped). */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Applied to every chunk streamed and to the captured output. */
  redact?: (text: string) => string;
  /** Live output, already redacted; used for job logs. */
  onOutput?: (chunk: string) => void;
  /**
   * Run under a pseudo-terminal: long plan/apply runs stream line by line as a user would see
   * them. stdout and stderr are merged.
   */
  pty?: boolean;
  /** Grace period between SIGTERM and SIGKILL to the process group. */
  killGraceMs?: number;
  /**
   * A run that changes infrastructure (an apply, a state command): a sandbox limit asks it to stop
   * (SIGTERM, once) and kills it only after the grace period, as a timeout does, so that terraform
   * saves the state of what it already made (killed at once, it would write none of it) and helm
   * marks the release it was upgrading failed instead of leaving it locked `pending-upgrade`.
   */
  stopGently?: boolean;
  /**
   * Run inside this sandbox (runners/sandbox/). Every tool run gets one; git, which Sluice
   * trusts, runs without.
   */
  sandbox?: SandboxRun;
  /** Mount targets this one command may write although the run sees them read-only (plugin cache downloads). */
  sandboxWrite?: string[];
  /**
   * Regular files inside the run's writable mounts that this command sees read-only: a saved plan
   * while `show` and `apply` read it (code they start must not change what was shown or hashed).
   * A directory Sluice made for the run is also taken (its files, written by Sluice during the
   * run, are read-only inside). A path that is neither (a symlink a step left) refuses the run.
   */
  sandboxReadOnly?: string[];
  /** Host files or dirs mounted read-only at another path inside the sandbox (a run's credentials). */
  sandboxMounts?: { source: string; target: string }[];
  /**
   * A Terraform state the run prints whole is taken out of its output (a line stands in its place)
   * and handed here: see withholdPrintedStates. For runs whose output is shown, never for those
   * whose output is the state Sluice reads (`state pull`).
   */
  withholdStates?: (state: PrintedState) => void;
  /**
   * stdout handed here as it streams instead of kept (the result's `stdout` is empty, and never
   * cut): output read as it comes, of any size (a state). Pipe runs only: refused with `pty`.
   */
  onStdout?: (chunk: string) => void;
  /**
   * stdout written straight to this new file (created for the run; an existing path fails the
   * start) instead of relayed and kept: tens of megabytes (a big repo's file list) read in one go
   * afterwards, not in 64 KiB frames through the spawner. Pipe runs only. The result's `stdout` is
   * empty and nothing in the file is redacted.
   */
  stdoutFile?: string;
  /** Written to the child's stdin, which is then closed (pipe runs only; default: no stdin). */
  input?: string;
  /** Piped to the child's stdin as it is written (pipe runs only): a run that waits for Sluice mid-way. */
  stdin?: Readable;
}

export interface ExecResult {
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  /**
   * A sandbox limit the run reached: it was killed for it, or (the disk limit) its dirs were found
   * over it by the measure at its end, after it exited by itself (see ranWell).
   */
  limit?: LimitHit;
  /** The largest memory its processes held together, as the sandbox's limit watch measured it (steps over ~250 ms). */
  peakMemoryBytes?: number;
  /** stdout (pty: the merged output). Redacted. */
  stdout: string;
  /** stderr (pty: empty). Redacted. */
  stderr: string;
  /**
   * Past MAX_CAPTURE characters the rest of its output was dropped: `stdout` or `stderr` is not
   * all it printed, so what it printed cannot be read as a whole (a plan's JSON, a state).
   */
  outputCut?: boolean;
  durationMs: number;
}

/**
 * Whether a run did its work within the rules: exited 0 and reached no limit. A run that wrote
 * past the disk limit and exited before a measure saw it exits 0 all the same; a later step could
 * remove what it wrote, so its end is where the hit must count.
 */
export function ranWell(r: Pick<ExecResult, "exitCode" | "limit">): boolean {
  return r.exitCode === 0 && r.limit === undefined;
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_GRACE_MS = 5_000;

/** Runs `file args` and resolves with its result; only spawn failures reject. */
export async function exec(file: string, args: string[], opts: ExecOptions): Promise<ExecResult> {
  // A pty merges stdout with stderr: a reader of stdout alone (a state read back) would get
  // nothing and read "no state" from it.
  if (opts.pty && (opts.onStdout || opts.stdoutFile)) throw new Error("exec: onStdout and stdoutFile are for pipe runs only, not with pty");
  const redact = opts.redact ?? ((s: string) => s);
  const bwrap = opts.sandbox?.bwrap;
  const frozen = (opts.sandboxReadOnly ?? []).map((path) => {
    // Mounted as it is, never through a symlink: that would show the run a host file of its choosing.
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st?.isFile() && !st?.isDirectory()) throw new Error(`${path} is not a regular file or directory`);
    return { source: path, target: path, writable: false };
  });
  const sandbox = opts.sandbox && {
    ...opts.sandbox,
    bwrap: bwrap && {
      ...bwrap,
      mounts: [...resolveMounts([...bwrap.mounts, ...(opts.sandboxMounts ?? []).map((m) => ({ ...m, writable: false }))]), ...frozen],
    },
  };
  const env = childEnv(opts.env);
  const childPath = env.PATH ?? "";
  // bwrap, and the shell a pty run starts in, would only report the missing tool in their output:
  // fail as a direct spawn does, so "not installed" is recognised however the tool is started.
  if ((sandbox || opts.pty) && !findBinary(file.includes("/") ? resolve(opts.cwd, file) : file, childPath)) {
    throw new ToolMissingError(file, `spawn ${file} ENOENT`);
  }
  const cmd = sandbox ? sandboxCommand(sandbox, file, args, opts.cwd, opts.sandboxWrite) : { file, args, env: {} };
  const run: ExecRun = {
    label: file,
    file: cmd.file,
    args: cmd.args,
    cwd: opts.cwd,
    env: { ...env, ...cmd.env },
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    grace: opts.killGraceMs ?? DEFAULT_GRACE_MS,
    stopGently: opts.stopGently === true,
    redact,
    onOutput: opts.onOutput,
    withholdStates: opts.withholdStates,
    onStdout: opts.onStdout,
    stdoutFile: opts.stdoutFile,
    sandbox,
    measureDisk: (pid) => diskUse(sandbox?.diskDirs ?? [], pid, sandbox?.bwrap !== undefined),
    input: opts.input,
    stdin: opts.stdin,
  };
  return opts.pty ? execPty(run) : execPipe(run);
}

/** What a file counts for at least in the disk limit: one block of a common file system. */
const BYTES_PER_FILE = 4096;

/**
 * What a run holds on disk: its own dirs (checkout, plan dir), walked by the spawner or, for a
 * tree too large or deep for that walk, by GNU `du` (by file descriptors: a tree of any depth is
 * counted; each file at least BYTES_PER_FILE), the files its processes hold open after unlinking
 * them (which no walk finds), and the files in its sandbox's /tmp and /dev/shm.
 */
async function diskUse(dirs: readonly string[], pid: number | undefined, sandboxed: boolean): Promise<number> {
  const inDirs = await dirsDiskUse(dirs);
  if (inDirs === Number.POSITIVE_INFINITY) return inDirs;
  let held = 0;
  if (pid) {
    try {
      const tree = readTree(pid);
      const files = heldFilesPaced(tree, pid);
      // Too many descriptors to read them all (the memory watch stops such a run): no measure to trust.
      if (files.tooMany) return Number.POSITIVE_INFINITY;
      held = files.diskBytes + (sandboxed ? sandboxTmpBytes(tree, pid) : 0);
    } catch {
      // No /proc: the dirs are still counted.
    }
  }
  return inDirs + held;
}

/**
 * What `dirs` hold on disk as the disk limit counts it (see diskUse), without a process where the
 * spawner can walk them; infinite when a dir could not be read (no measure to trust).
 */
export async function dirsDiskUse(dirs: readonly string[]): Promise<number> {
  const walked = await dirsOnDisk(dirs);
  if (!walked) return Number.POSITIVE_INFINITY;
  // Each file and dir takes at least a block's worth: an empty file holds no block but one of the
  // file system's inodes, of which it has a fixed number (millions of them would fill the disk the
  // store and every worktree live on while du counted nothing).
  return Math.max(walked.bytes, walked.inodes * BYTES_PER_FILE);
}

/** How long the spawner's walk may take before `du` measures instead. */
const WALK_TIMEOUT_MS = 10_000;

/** Bytes and inodes under `dirs`; undefined when a dir could not be read. */
async function dirsOnDisk(dirs: readonly string[]): Promise<{ bytes: number; inodes: number } | undefined> {
  // Every run ends with a measure, which its result waits for: walked in the spawner, it starts
  // no process (as `du` it was a third of Sluice's own time per project).
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((done) => {
    timer = setTimeout(() => done(undefined), WALK_TIMEOUT_MS);
  });
  const walked = await Promise.race([walkDisk(dirs).catch(() => undefined), late]).finally(() => clearTimeout(timer));
  if (walked && "leftOut" in walked) return undefined;
  if (walked && "bytes" in walked) return walked;
  // Bytes, a line of its own, then inodes: one process for the two walks, side by side.
  const script = 'du -s -x -B1 -- "$@" & i=$(du -s -x --inodes -- "$@"); wait; echo; echo "$i"';
  const r = await exec("/bin/sh", ["-c", script, "sh", ...dirs], {
    cwd: "/",
    timeoutMs: 60_000,
    env: { LC_ALL: "C" },
  });
  return duMeasure(r);
}

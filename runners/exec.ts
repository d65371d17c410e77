import { lstatSync } from "node:fs";
import { constants } from "node:os";
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import * as pty from "node-pty";
import { childEnv } from "./child-env.js";
import { parseDuTotal, watchDisk } from "./sandbox/disk-watch.js";
import { sandboxTmpBytes, watchLimits } from "./sandbox/limit-watch.js";
import { descendants, readProcStats } from "./sandbox/process-tree.js";
import { type SandboxRun, resolveMounts, sandboxCommand } from "./sandbox/sandbox-command.js";
import { type LimitHit, limitHit, rlimitHit } from "./sandbox/sandbox-limits.js";
import { findBinary } from "./sandbox/sandbox.js";
import { createSpawner, type SpawnedTool } from "./spawner/spawner.js";

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
  /** Written to the child's stdin, which is then closed (pipe runs only; default: no stdin). */
  input?: string;
  /** Piped to the child's stdin as it is written (pipe runs only): a run that waits for Sluice mid-way. */
  stdin?: Readable;
}

export interface ExecResult {
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  /** A sandbox limit the run reached; it was killed for it. */
  limit?: LimitHit;
  /** stdout (pty: the merged output). Redacted. */
  stdout: string;
  /** stderr (pty: empty). Redacted. */
  stderr: string;
  durationMs: number;
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_GRACE_MS = 5_000;
const MAX_CAPTURE = 64 * 1024 * 1024;

export class ExecError extends Error {
  constructor(
    message: string,
    readonly result: ExecResult,
  ) {
    super(message);
    this.name = "ExecError";
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function signalName(n: number): string {
  const found = Object.entries(constants.signals).find(([, v]) => v === n);
  return found ? found[0] : String(n);
}

/** Runs `file args` and resolves with its result; only spawn failures reject. */
export async function exec(file: string, args: string[], opts: ExecOptions): Promise<ExecResult> {
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
  const childPath = childEnv(opts.env).PATH ?? "";
  // bwrap would only report the missing tool in its own output: fail as a direct spawn does, so
  // "not installed" reads the same (and is recognised) with or without the sandbox.
  if (sandbox && !findBinary(file.includes("/") ? resolve(opts.cwd, file) : file, childPath)) {
    throw new Error(`could not start ${file}: spawn ${file} ENOENT`);
  }
  const cmd = sandbox ? sandboxCommand(sandbox, file, args, opts.cwd, opts.sandboxWrite) : { file, args, env: {} };
  const run: Run = {
    label: file,
    file: cmd.file,
    args: cmd.args,
    cwd: opts.cwd,
    env: { ...childEnv(opts.env), ...cmd.env },
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    grace: opts.killGraceMs ?? DEFAULT_GRACE_MS,
    redact,
    onOutput: opts.onOutput,
    sandbox,
    input: opts.input,
    stdin: opts.stdin,
  };
  return opts.pty ? execPty(run) : execPipe(run);
}

/** One spawn, as both the pipe and the pty path take it. */
interface Run {
  /** The command as the caller named it, for messages (`file` may be bwrap). */
  label: string;
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  grace: number;
  redact: (s: string) => string;
  onOutput?: (chunk: string) => void;
  sandbox?: SandboxRun;
  input?: string;
  stdin?: Readable;
}

interface Ended {
  exitCode: number | null;
  signal?: string;
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
    tree = descendants(readProcStats(), pid);
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
async function supervise(run: Run, pid: number | undefined, ended: Promise<Ended>) {
  let timedOut = false;
  let limit: LimitHit | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    signalTree(pid, "SIGTERM");
    killTimer = setTimeout(() => signalTree(pid, "SIGKILL"), run.grace);
  }, run.timeoutMs);
  const stopWatch =
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
      : () => undefined;
  const disk = run.sandbox?.limits.diskBytes;
  const measureDisk = () => diskUse(run.sandbox?.diskDirs ?? [], pid, run.sandbox?.bwrap !== undefined);
  const stopDisk =
    pid && disk && run.sandbox?.diskDirs?.length
      ? watchDisk(disk, measureDisk, () => {
          limit ??= limitHit("disk", run.sandbox?.limits ?? {});
          signalTree(pid, "SIGKILL");
        })
      : () => undefined;
  const end = await ended;
  stopWatch();
  stopDisk();
  clearTimeout(timer);
  if (killTimer) clearTimeout(killTimer);
  if (timedOut) killGroup(pid, "SIGKILL");
  limit ??= run.sandbox ? rlimitHit(run.sandbox.limits, end) : undefined;
  // A run that wrote past the quota between two measures and ended is over it all the same.
  if (!limit && disk && run.sandbox?.diskDirs?.length && (await measureDisk().catch(() => 0)) > disk) {
    limit = limitHit("disk", run.sandbox.limits);
  }
  return { ...end, timedOut, limit };
}

/**
 * What a run holds on disk: its own dirs (checkout, plan dir), walked by GNU `du` (by file
 * descriptors: a tree of any depth is counted), and the files in its sandbox's /tmp.
 */
async function diskUse(dirs: readonly string[], pid: number | undefined, sandboxed: boolean): Promise<number> {
  const r = await exec("du", ["-s", "-B1", "-x", "--", ...dirs], { cwd: "/", timeoutMs: 60_000 });
  let tmp = 0;
  if (sandboxed && pid) {
    try {
      tmp = sandboxTmpBytes(readProcStats(), pid);
    } catch {
      // No /proc: the dirs are still counted.
    }
  }
  return parseDuTotal(r.stdout) + tmp;
}

/** Past this much held-back text, live output is released anyway (a line that never ends). */
const MAX_HELD = 1024 * 1024;
const OPEN_KEY = /-----BEGIN[ A-Z0-9]*PRIVATE KEY-----/g;
const CLOSE_KEY = /-----END[ A-Z0-9]*PRIVATE KEY-----/;

/**
 * Redacts output as it streams without ever letting out part of a secret that a read split in
 * two: text is released only up to a line end, keeping back as many lines as the longest known
 * secret spans and any private key block not yet closed, and only when redacting the released
 * part alone gives what redacting it together with the rest does (no match crosses the cut).
 */
export function liveRedactor(redact: (s: string) => string, emit: (s: string) => void) {
  const secrets = (redact as { secrets?: readonly string[] }).secrets ?? [];
  // A pty turns each \n into \r\n: both spellings of a multi-line secret can start in the output.
  const multiline = secrets.filter((x) => x.includes("\n")).flatMap((x) => [x, x.replace(/\r?\n/g, "\r\n")]);
  const longest = multiline.reduce((n, x) => Math.max(n, x.length), 0);
  let held = "";
  // Output that arrives after the end (a pty may deliver its last read late) goes out at once.
  let ended = false;
  const cutPoint = (): number => {
    let cut = held.lastIndexOf("\n") + 1;
    // A multi-line secret may have begun and not be complete yet: hold back from the start of the
    // line where it could begin (not a fixed number of lines, which held a short run's whole
    // output until it ended when the app's private key is among the secrets).
    for (let p = Math.max(0, held.length - longest); p < cut; p++) {
      const c = held.charCodeAt(p);
      const rest = held.length - p;
      if (multiline.some((x) => x.charCodeAt(0) === c && x.length > rest && x.startsWith(held.slice(p)))) {
        cut = held.lastIndexOf("\n", p - 1) + 1;
        break;
      }
    }
    for (const open of held.matchAll(OPEN_KEY)) {
      if (open.index < cut && !CLOSE_KEY.test(held.slice(open.index))) {
        cut = open.index;
        break;
      }
    }
    return cut;
  };
  const release = () => {
    if (held) emit(redact(held));
    held = "";
  };
  return {
    push(chunk: string): void {
      held += chunk;
      if (ended || held.length > MAX_HELD) return release();
      const cut = cutPoint();
      if (cut <= 0) return;
      const head = redact(held.slice(0, cut));
      const tail = held.slice(cut);
      if (redact(held) !== head + redact(tail)) return;
      held = tail;
      if (head) emit(head);
    },
    /** Releases everything held; call when the output ends. */
    flush(): void {
      ended = true;
      release();
    },
  };
}

function capture() {
  let size = 0;
  const parts: string[] = [];
  return {
    push(chunk: string) {
      if (size >= MAX_CAPTURE) return;
      parts.push(chunk);
      size += chunk.length;
    },
    text: () => parts.join(""),
  };
}

/** One spawner per thread that starts tools (the job thread's, mostly); started on first use. */
const spawner = createSpawner();

async function execPipe(run: Run): Promise<ExecResult> {
  const started = performance.now();
  let child: SpawnedTool;
  try {
    child = await spawner.spawn({
      file: run.file,
      args: run.args,
      cwd: run.cwd,
      env: run.env,
      stdin: run.stdin !== undefined || run.input !== undefined,
    });
  } catch (e) {
    throw new Error(`could not start ${run.file}: ${run.redact((e as Error).message)}`);
  }
  if (child.stdin) {
    // The child may end without reading what is still to come.
    child.stdin.on("error", () => undefined);
    if (run.stdin) run.stdin.pipe(child.stdin);
    else child.stdin.end(run.input);
  }
  const out = capture();
  const err = capture();
  const emit = run.onOutput ?? (() => undefined);
  const liveOut = liveRedactor(run.redact, emit);
  const liveErr = liveRedactor(run.redact, emit);
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (c: string) => {
    out.push(c);
    if (run.onOutput) liveOut.push(c);
  });
  child.stderr.on("data", (c: string) => {
    err.push(c);
    if (run.onOutput) liveErr.push(c);
  });
  const ended = child.exited.then(({ exitCode, signal }) => ({ exitCode, signal: signal ?? undefined }));
  const end = await supervise(run, child.pid, ended);
  liveOut.flush();
  liveErr.flush();
  return {
    ...end,
    stdout: run.redact(out.text()),
    stderr: run.redact(err.text()),
    durationMs: performance.now() - started,
  };
}

/**
 * A process that closes its terminal before it has exited (coreutils close stdout in an atexit
 * handler) makes node-pty close the master, and the kernel then sends the still-exiting process
 * SIGHUP: it is reported killed although it finished its work. So pty children start with SIGHUP
 * ignored. The script is fixed and the command stays an argv array (`"$@"`): nothing in it is
 * interpreted by the shell. A timeout still ends the group with SIGTERM and SIGKILL.
 */
const HUP_IGNORED = ["-c", 'trap "" HUP; exec "$@"', "sluice-exec"];

async function execPty(run: Run): Promise<ExecResult> {
  const started = performance.now();
  let child: pty.IPty;
  try {
    child = pty.spawn("/bin/sh", [...HUP_IGNORED, run.file, ...run.args], {
      cwd: run.cwd,
      env: run.env,
      cols: 160,
      rows: 40,
      name: "dumb",
    });
  } catch (e) {
    throw new Error(`could not start ${run.label}: ${run.redact(String((e as Error).message))}`);
  }
  const out = capture();
  const live = liveRedactor(run.redact, run.onOutput ?? (() => undefined));
  child.onData((c) => {
    out.push(c);
    if (run.onOutput) live.push(c);
  });
  const ended = new Promise<Ended>((resolve) =>
    child.onExit(({ exitCode, signal }) =>
      resolve({ exitCode: signal ? null : exitCode, signal: signal ? signalName(signal) : undefined }),
    ),
  );
  // A pty child leads its own session, so its pid is also its process group id.
  const end = await supervise(run, child.pid, ended);
  live.flush();
  return { ...end, stdout: run.redact(out.text()), stderr: "", durationMs: performance.now() - started };
}

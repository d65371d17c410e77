import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { PassThrough, type Readable, Writable } from "node:stream";
import { encodeFrame, frameReader } from "./spawner-frames.js";
import type { DiskWalk, FromSpawner, ToSpawner } from "./spawner-messages.js";

export interface SpawnedTool {
  pid: number;
  stdout: Readable;
  stderr: Readable;
  /** Only when asked for at spawn. */
  stdin?: Writable;
  /** Once the tool has exited and its output was read to the end (both streams must be read). */
  exited: Promise<{ exitCode: number | null; signal: string | null }>;
}

export interface SpawnRequest {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: boolean;
  /** The tool's stdout goes to this new file (the spawner creates it; an existing path fails the start), not relayed. */
  stdoutFile?: string;
}

interface Run {
  started(pid: number): void;
  failed(message: string, code?: string): void;
  output(fd: 1 | 2, data: Buffer): void;
  exited(code: number | null, signal: string | null): void;
}

/**
 * A spawner with no tool to run ends after this long: an idle Sluice holds no spawner, and a
 * burst of runs pays one start (~50 ms) for all of them.
 */
export const SPAWNER_IDLE_MS = 30_000;

/** The interpreter the spawner runs in (looked up on the app's PATH). */
export const SPAWNER_PYTHON = "python3";

/** What a tool start reports when the spawner itself cannot start. */
export const spawnerMissing = (why: string) =>
  `Sluice's spawner could not start (${why}): Sluice starts every tool through \`${SPAWNER_PYTHON} runners/spawner/spawner.py\`; install Python 3.8 or later (Debian: apt-get install python3)`;

/** ES2024's String.prototype.toWellFormed (Node 20 has it; the ES2023 lib does not declare it). */
const wellFormed = (s: string) => (s as string & { toWellFormed(): string }).toWellFormed();

/**
 * What Node's own spawn would start: a lone surrogate becomes U+FFFD (as Node encodes it to UTF-8)
 * and the working directory is absolute (the spawner's own is /).
 */
function wellFormedRequest(req: SpawnRequest): SpawnRequest {
  return {
    ...req,
    file: wellFormed(req.file),
    args: req.args.map(wellFormed),
    cwd: resolve(wellFormed(req.cwd)),
    ...(req.stdoutFile === undefined ? {} : { stdoutFile: resolve(wellFormed(req.stdoutFile)) }),
    env: Object.fromEntries(Object.entries(req.env).map(([k, v]) => [wellFormed(k), wellFormed(v)])),
  };
}

/** The spawner's exit code when its Python is too old (spawner.py's first lines). */
const PYTHON_TOO_OLD = 3;

/**
 * Starts tools through the spawner process (spawner.py: posix_spawn(3), no copy of the app's
 * memory per start), started on first use and again after it died; tools it was running when it
 * died are reported killed (their sandboxes die with it: bwrap's --die-with-parent).
 */
export function createSpawner(idleMs = SPAWNER_IDLE_MS): {
  spawn(req: SpawnRequest): Promise<SpawnedTool>;
  running(): boolean;
  /** Lets the spawner go now if it runs nothing, instead of after the idle time (a later tool starts another). */
  release(): void;
  /** What `dirs` (absolute) hold on disk, walked by the spawner; rejects when the spawner is lost. */
  measure(dirs: readonly string[]): Promise<DiskWalk>;
} {
  let proc: ChildProcess | undefined;
  let nextId = 1;
  let idle: NodeJS.Timeout | undefined;
  const runs = new Map<number, Run>();
  const measures = new Map<number, { resolve(w: DiskWalk): void; reject(e: Error): void }>();
  // The file the last spawner said it runs in: started directly, a later spawner skips the PATH
  // lookup and whatever `python3` is there (a version manager's shim costs ~0.5 s per start).
  let interpreter: string | undefined;
  const send = (m: ToSpawner) => {
    if (!proc?.stdin?.writable) return;
    const { data, ...header } = m as ToSpawner & { data?: Buffer };
    proc.stdin.write(encodeFrame(header, data));
  };
  // The pipes keep the app alive only while a tool runs through them; once none has run for a
  // while the spawner is let go (its stdin ends, so it exits) and started again on demand.
  const refPipes = (p: ChildProcess | undefined, held: boolean) => {
    for (const s of [p?.stdin, p?.stdout] as ({ ref?(): void; unref?(): void } | null | undefined)[]) {
      if (held) s?.ref?.();
      else s?.unref?.();
    }
  };
  const letGo = () => {
    const current = proc;
    proc = undefined;
    current?.stdin?.end();
  };
  const holdOpen = () => {
    if (idle) clearTimeout(idle);
    idle = undefined;
    if (runs.size > 0 || measures.size > 0) {
      refPipes(proc, true);
      return;
    }
    refPipes(proc, false);
    const current = proc;
    idle = setTimeout(() => {
      if (runs.size === 0 && measures.size === 0 && proc === current) letGo();
    }, idleMs);
    idle.unref();
  };

  const onMessage = (m: FromSpawner) => {
    if (m.type === "ready") {
      if (isAbsolute(m.executable)) interpreter = m.executable;
      return;
    }
    if (m.type === "measured") {
      const waiting = measures.get(m.id);
      measures.delete(m.id);
      holdOpen();
      const { type: _type, id: _id, data: _data, ...walk } = m as typeof m & { data?: Buffer };
      waiting?.resolve(walk);
      return;
    }
    const run = runs.get(m.id);
    if (!run) return;
    if (m.type === "spawned") run.started(m.pid);
    else if (m.type === "output") run.output(m.fd, m.data);
    else {
      runs.delete(m.id);
      holdOpen();
      if (m.type === "failed") run.failed(m.message, m.code);
      else run.exited(m.code, m.signal);
    }
  };

  const lose = (child: ChildProcess, why: string) => {
    // A spawner let go when idle ran nothing; the runs now are another one's.
    if (proc !== child) return;
    proc = undefined;
    const lost = [...runs.values()];
    runs.clear();
    const unanswered = [...measures.values()];
    measures.clear();
    for (const m of unanswered) m.reject(new Error(why));
    for (const run of lost) {
      run.failed(why);
      run.exited(null, "SIGKILL");
    }
  };

  const ensure = (): ChildProcess => {
    proc ??= startSpawnerProcess(interpreter, onMessage, lose);
    return proc;
  };

  return {
    running: () => proc !== undefined,
    release() {
      if (runs.size > 0 || measures.size > 0) return;
      if (idle) clearTimeout(idle);
      idle = undefined;
      letGo();
    },
    spawn(req) {
      ensure();
      const id = nextId++;
      return new Promise<SpawnedTool>((resolve, reject) => {
        runs.set(id, toolRun(id, req.stdin, send, { started: resolve, failed: reject }));
        holdOpen();
        send({ type: "spawn", id, ...wellFormedRequest(req) });
      });
    },
    measure(dirs) {
      ensure();
      const id = nextId++;
      return new Promise<DiskWalk>((done, fail) => {
        measures.set(id, { resolve: done, reject: fail });
        holdOpen();
        send({ type: "measure", id, dirs: dirs.map((d) => resolve(wellFormed(d))) });
      });
    },
  };
}

/**
 * One tool's run as the spawner reports it: the tool once started (or the error it failed with),
 * its output relayed, and its exit once the reader has had all of that output.
 */
function toolRun(
  id: number,
  withStdin: boolean,
  send: (m: ToSpawner) => void,
  tool: { started(tool: SpawnedTool): void; failed(e: Error): void },
): Run {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let exited!: (r: { exitCode: number | null; signal: string | null }) => void;
  const done = new Promise<{ exitCode: number | null; signal: string | null }>((res) => {
    exited = res;
  });
  return {
    started: (pid) => tool.started({ pid, stdout, stderr, exited: done, stdin: withStdin ? toolStdin(id, send) : undefined }),
    // The system's code (ENOENT, EACCES) travels with it: exec tells a missing tool by it.
    failed: (message, code) => tool.failed(Object.assign(new Error(message), { code })),
    output: (fd, data) => (fd === 1 ? stdout : stderr).write(data),
    exited: (code, signal) => {
      // Resolved once the reader has had all the output, not merely once it was relayed.
      void Promise.all([once(stdout, "end"), once(stderr, "end")]).then(() => exited({ exitCode: code, signal }));
      stdout.end();
      stderr.end();
    },
  };
}

/** The tool's stdin: what is written goes to the spawner, framed, and its end closes the tool's. */
function toolStdin(id: number, send: (m: ToSpawner) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      send({ type: "stdin", id, data: chunk });
      cb();
    },
    final(cb) {
      send({ type: "stdin-end", id });
      cb();
    },
  });
}

/**
 * The spawner process, its messages handed to `onMessage`; `lost` once it cannot start or has
 * ended (after its output was read to the end).
 */
function startSpawnerProcess(
  interpreter: string | undefined,
  onMessage: (m: FromSpawner) => void,
  lost: (child: ChildProcess, why: string) => void,
): ChildProcess {
  const script = join(import.meta.dirname, "spawner.py");
  // -I: no PYTHON* variables, user site or script dir on the path; -S: no site module (stdlib
  // only); -X utf8: paths, arguments and the environment are UTF-8 whatever the locale, as Node's.
  const python = interpreter !== undefined && existsSync(interpreter) ? interpreter : SPAWNER_PYTHON;
  const child = spawn(python, ["-I", "-S", "-X", "utf8", script], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: process.env.LANG ?? "C.UTF-8" },
  });
  child.stdout?.on(
    "data",
    frameReader((header, payload) => onMessage({ ...(header as FromSpawner), data: payload } as FromSpawner)),
  );
  child.stdin?.on("error", () => undefined);
  child.on("error", (e) => lost(child, spawnerMissing(e.message)));
  // After its output was read to the end: what it reported before it ended still counts.
  child.once("close", (code, signal) =>
    lost(
      child,
      code === PYTHON_TOO_OLD
        ? spawnerMissing(`${SPAWNER_PYTHON} is older than 3.8`)
        : `the spawner process exited (${signal ?? `code ${code}`})`,
    ),
  );
  child.unref();
  return child;
}

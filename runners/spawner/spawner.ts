import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { PassThrough, type Readable, Writable } from "node:stream";
import type { FromSpawner, ToSpawner } from "./spawner-messages.js";

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
}

interface Run {
  started(pid: number): void;
  failed(message: string, code?: string): void;
  output(fd: 1 | 2, data: Buffer): void;
  exited(code: number | null, signal: string | null): void;
}

/**
 * A spawner with no tool to run ends after this long: an idle Sluice holds no spawner (each is
 * a Node process of ~40 MB), and a burst of runs pays one start (~50 ms) for all of them.
 */
export const SPAWNER_IDLE_MS = 30_000;

/** The spawner's young generation (see ensure()). */
export const SPAWNER_HEAP_FLAG = "--max-semi-space-size=1";

/** Run from the TypeScript sources (tsx: tests, benchmarks), not from dist/. */
const fromSource = () => import.meta.url.endsWith(".ts");

/**
 * Starts tools through the spawner process (spawner-process.ts), started on first use and again
 * after it died; tools it was running when it died are reported killed (their sandboxes die with
 * it: bwrap's --die-with-parent).
 */
export function createSpawner(idleMs = SPAWNER_IDLE_MS): { spawn(req: SpawnRequest): Promise<SpawnedTool>; running(): boolean } {
  let proc: ChildProcess | undefined;
  let nextId = 1;
  let idle: NodeJS.Timeout | undefined;
  const runs = new Map<number, Run>();
  const send = (m: ToSpawner) => proc?.send(m);
  // The channel keeps the app alive only while a tool runs through it; once none has run for a
  // while the spawner is let go (it exits when its channel closes) and started again on demand.
  const holdOpen = () => {
    if (idle) clearTimeout(idle);
    idle = undefined;
    if (runs.size > 0) {
      proc?.channel?.ref();
      return;
    }
    proc?.channel?.unref();
    const current = proc;
    idle = setTimeout(() => {
      if (runs.size === 0 && proc === current && current?.connected) {
        proc = undefined;
        current.disconnect();
      }
    }, idleMs);
    idle.unref();
  };

  const onMessage = (m: FromSpawner) => {
    const run = runs.get(m.id);
    if (!run) return;
    if (m.type === "spawned") run.started(m.pid);
    else if (m.type === "output") run.output(m.fd, Buffer.from(m.data));
    else {
      runs.delete(m.id);
      holdOpen();
      if (m.type === "failed") run.failed(m.message, m.code);
      else run.exited(m.code, m.signal);
    }
  };

  const ensure = (): ChildProcess => {
    if (proc?.connected) return proc;
    const entry = new URL(fromSource() ? "./spawner-process.ts" : "./spawner-process.js", import.meta.url);
    const child = fork(entry, [], {
      // Not the app's flags (a CPU profile, a heap size): a loader only when running from source.
      // A young generation of 1 MB semi-spaces instead of up to 16: what it relays is garbage at
      // once, and with the default the spawner grew to ~100 MB, which every fork of a tool copies
      // the page tables of.
      execArgv: [SPAWNER_HEAP_FLAG, ...(fromSource() ? ["--import", import.meta.resolve("tsx/esm")] : [])],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: process.env.LANG ?? "C.UTF-8" },
    });
    child.on("message", onMessage);
    child.on("error", () => undefined);
    child.once("exit", (code, signal) => {
      // A spawner let go when idle ran nothing; the runs now are another one's.
      if (proc !== child) return;
      proc = undefined;
      const lost = [...runs.values()];
      runs.clear();
      for (const run of lost) {
        run.failed(`the spawner process exited (${signal ?? `code ${code}`})`);
        run.exited(null, "SIGKILL");
      }
    });
    child.unref();
    proc = child;
    return child;
  };

  return {
    running: () => proc?.connected === true,
    spawn(req) {
      ensure();
      const id = nextId++;
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let exited!: (r: { exitCode: number | null; signal: string | null }) => void;
      const done = new Promise<{ exitCode: number | null; signal: string | null }>((res) => {
        exited = res;
      });
      return new Promise<SpawnedTool>((resolve, reject) => {
        runs.set(id, {
          started: (pid) =>
            resolve({
              pid,
              stdout,
              stderr,
              exited: done,
              stdin: req.stdin
                ? new Writable({
                    write(chunk: Buffer, _enc, cb) {
                      send({ type: "stdin", id, data: chunk });
                      cb();
                    },
                    final(cb) {
                      send({ type: "stdin-end", id });
                      cb();
                    },
                  })
                : undefined,
            }),
          // The system's code (ENOENT, EACCES) travels with it: exec tells a missing tool by it.
          failed: (message, code) => reject(Object.assign(new Error(message), { code })),
          output: (fd, data) => (fd === 1 ? stdout : stderr).write(data),
          exited: (code, signal) => {
            // Resolved once the reader has had all the output, not merely once it was relayed.
            void Promise.all([once(stdout, "end"), once(stderr, "end")]).then(() => exited({ exitCode: code, signal }));
            stdout.end();
            stderr.end();
          },
        });
        holdOpen();
        send({ type: "spawn", id, ...req });
      });
    },
  };
}

import { type ChildProcess, spawn } from "node:child_process";
import type { FromSpawner, ToSpawner } from "./spawner-messages.js";

/**
 * The spawner: a small process that starts every tool for the app and relays its output. Node
 * forks the whole calling process to start a child and waits until the child has exec'd; from the
 * app (two isolates, ~200 MB) that took ~5 ms of CPU per tool start with the job thread blocked,
 * from here it is a fraction of that. It loads nothing but node:child_process.
 */
const children = new Map<number, ChildProcess>();
const send = (m: FromSpawner, sent?: () => void) => process.send?.(m, undefined, undefined, sent);

/**
 * Output messages written to the app but not yet taken by the channel. Past HIGH, every tool's
 * output is paused until the app has caught up below LOW: a tool that prints without end (a PR
 * can make one) is held back by its pipe, as it would be with no spawner between, instead of
 * piling up here.
 */
let inFlight = 0;
const HIGH = 64;
const LOW = 16;
let paused = false;
const eachOutput = (fn: (s: NodeJS.ReadableStream) => void) => {
  for (const child of children.values()) for (const s of [child.stdout, child.stderr]) if (s) fn(s);
};
function relay(id: number, fd: 1 | 2, data: Buffer): void {
  inFlight++;
  send({ type: "output", id, fd, data }, () => {
    inFlight--;
    if (paused && inFlight <= LOW) {
      paused = false;
      eachOutput((s) => s.resume());
    }
  });
  if (!paused && inFlight >= HIGH) {
    paused = true;
    eachOutput((s) => s.pause());
  }
}

function start(m: Extract<ToSpawner, { type: "spawn" }>): void {
  let child: ChildProcess;
  try {
    // Own process group (detached), so the app can end a tool with everything it started.
    child = spawn(m.file, m.args, { cwd: m.cwd, env: m.env, detached: true, stdio: [m.stdin ? "pipe" : "ignore", "pipe", "pipe"] });
  } catch (e) {
    send({ type: "failed", id: m.id, message: (e as Error).message, code: (e as NodeJS.ErrnoException).code });
    return;
  }
  children.set(m.id, child);
  let started = false;
  child.once("spawn", () => {
    started = true;
    send({ type: "spawned", id: m.id, pid: child.pid as number });
  });
  child.once("error", (e) => {
    if (started) return;
    children.delete(m.id);
    send({ type: "failed", id: m.id, message: e.message, code: (e as NodeJS.ErrnoException).code });
  });
  child.stdin?.on("error", () => undefined);
  child.stdout?.on("data", (data: Buffer) => relay(m.id, 1, data));
  child.stderr?.on("data", (data: Buffer) => relay(m.id, 2, data));
  if (paused) for (const s of [child.stdout, child.stderr]) s?.pause();
  // After the output has ended, so `exited` is the last message of the id.
  child.once("close", (code, signal) => {
    children.delete(m.id);
    if (started) send({ type: "exited", id: m.id, code, signal });
  });
}

process.on("message", (m: ToSpawner) => {
  if (m.type === "spawn") start(m);
  else if (m.type === "stdin") children.get(m.id)?.stdin?.write(m.data);
  else if (m.type === "stdin-end") children.get(m.id)?.stdin?.end();
});

// The app is gone (exited, killed): nothing it started may outlive it.
process.on("disconnect", () => {
  for (const child of children.values()) {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  process.exit(0);
});

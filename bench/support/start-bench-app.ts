import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type Simulator, startSimulator } from "../../test/simulator/github-simulator.js";
import { freePort } from "../../test/support/start-app.js";
import { simulatorAppEnv } from "../../test/simulator/app-env.js";

const ROOT = resolve(import.meta.dirname, "../..");

let built: Promise<unknown> | undefined;
/** Production runs the compiled JavaScript (`npm start`): so does every benchmark, built once per bench process. */
export function buildOnce(): Promise<unknown> {
  built ??= promisify(execFile)("npm", ["run", "build"], { cwd: ROOT });
  return built;
}

/**
 * The environment and node flags `npm start` (and the image, which a test keeps equal) runs the
 * app with: a benchmark measures the app as it runs in production.
 */
export function startCommand(): { env: Record<string, string>; flags: string[] } {
  const start = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  const words = start.split(/\s+/);
  const node = words.indexOf("node");
  // NAME=value: the value is all after the first `=` (it may hold more).
  const env = Object.fromEntries(words.slice(0, node).map((w) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]));
  return { env, flags: words.slice(node + 1, words.indexOf("dist/src/main.js")) };
}

export interface BenchApp {
  sim: Simulator;
  secret: string;
  /** The app's own process (node running dist/src/main.js), for /proc/<pid>/status. */
  pid: number;
  url: string;
  dataDir: string;
  /** The last lines the app printed, for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

export interface BenchAppOptions {
  serverConfig?: string;
  /** GitHub echoes the app's own comments back as deliveries (default true, as GitHub does). */
  echoAppEvents?: boolean;
  logLevel?: string;
  /** Extra node flags for the app process, e.g. --cpu-prof while profiling. */
  nodeFlags?: string[];
  /** SLUICE_WORKTREE_DIR in a new dir on /dev/shm (a tmpfs), as docs/performance.md suggests. */
  worktreesOnTmpfs?: boolean;
}

/**
 * The GitHub simulator plus the real app (the compiled production entry point, as `npm start`
 * runs it), with the child's pid exposed and its output kept short: a benchmark runs
 * thousands of jobs and must not hold every log line in memory.
 */
export async function startBenchApp(opts: BenchAppOptions = {}): Promise<BenchApp> {
  const secret = `whsec-${randomBytes(12).toString("hex")}`;
  const sim = await startSimulator({ webhookSecret: secret, echoAppEvents: opts.echoAppEvents ?? true });
  const work = await mkdtemp(join(tmpdir(), "sluice-bench-"));
  const dataDir = join(work, "data");
  const port = await freePort();
  const start = startCommand();
  const env: Record<string, string> = {
    ...start.env,
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    LANG: "C.UTF-8",
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    SLUICE_DATA_DIR: dataDir,
    LOG_LEVEL: opts.logLevel ?? "info",
    ...simulatorAppEnv(sim, secret),
  };
  const worktreeDir = opts.worktreesOnTmpfs ? await mkdtemp("/dev/shm/sluice-bench-worktrees-") : undefined;
  if (worktreeDir) env.SLUICE_WORKTREE_DIR = worktreeDir;
  if (opts.serverConfig !== undefined) {
    const file = join(work, "server-config.yaml");
    await writeFile(file, opts.serverConfig);
    env.SLUICE_SERVER_CONFIG = file;
  }
  await mkdir(dataDir, { recursive: true });
  await buildOnce();
  // BENCH_CPU_PROF=<dir>: every app process writes a V8 CPU profile there when it exits.
  const profile = process.env.BENCH_CPU_PROF ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [...start.flags, ...profile, ...(opts.nodeFlags ?? []), join(ROOT, "dist/src/main.js")],
    {
      cwd: dataDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let tail = "";
  const keep = (c: Buffer) => {
    tail = (tail + c.toString()).slice(-16_384);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  // BENCH_APP_LOG=<file>: the app's whole log is appended there too (to read a run's steps).
  if (process.env.BENCH_APP_LOG) {
    const log = createWriteStream(process.env.BENCH_APP_LOG, { flags: "a" });
    child.stdout?.pipe(log);
  }
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (gone) throw new Error(`the app exited during start:\n${tail}`);
    // Bounded, as test/support/start-app.ts says: a dropped connection can leave a fetch pending.
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the app did not start in 30 s:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  sim.setWebhookTarget(url);
  const pid = child.pid;
  if (pid === undefined) throw new Error("no pid for the app process");
  return {
    sim,
    secret,
    pid,
    url,
    dataDir,
    tail: () => tail,
    async stop() {
      if (!gone) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(killer);
      await sim.stop();
      await rm(work, { recursive: true, force: true });
      if (worktreeDir) await rm(worktreeDir, { recursive: true, force: true });
    },
  };
}

/**
 * The app's spawner process (runners/spawner/), once it has started one: a child of one of the
 * app's threads (the job thread's, which starts tools) running spawner.py.
 */
export function spawnerPid(appPid: number): number | undefined {
  for (const task of readdirSync(`/proc/${appPid}/task`)) {
    let children: string[];
    try {
      children = readFileSync(`/proc/${appPid}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    } catch {
      continue;
    }
    for (const child of children) {
      try {
        if (readFileSync(`/proc/${child}/cmdline`, "utf8").includes("spawner.py")) return Number(child);
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return undefined;
}

/** Every process under `pid` (the spawner, bwrap, the tools), by the kernel's children lists of each thread. */
export function descendantPids(pid: number): number[] {
  const found: number[] = [];
  const visit = (p: number) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return; // Gone meanwhile.
    }
    for (const task of tasks) {
      let children: string[] = [];
      try {
        children = readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
      } catch {
        // Gone meanwhile.
      }
      for (const child of children) {
        found.push(Number(child));
        visit(Number(child));
      }
    }
  };
  visit(pid);
  return found;
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
export function processMemory(pid: number): { rssMb: number; hwmMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 };
}

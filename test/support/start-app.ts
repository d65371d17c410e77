import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface AppProcess {
  url: string;
  /** The app's process id (a PostgreSQL replica's owner id carries it: `<host>:<pid>:<random>`). */
  pid: number;
  port: number;
  dataDir: string;
  /** Everything the app printed (JSON log lines), for assertions on logs. */
  output(): string;
  /** Sends a signal and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  exited(): Promise<number | null>;
}

export interface StartAppOptions {
  env: Record<string, string>;
  dataDir?: string;
  serverConfig?: string;
  port?: number;
  /** A compiled entry point (dist/src/main.js) run with plain node; default: src/main.ts through tsx. */
  entry?: string;
  /** CPUs the app and everything it starts may run on (`taskset -c` list, e.g. "1"). */
  cpus?: string;
}

/**
 * Starts the production entry point (src/main.ts) as a child process and waits for /healthz. A
 * port this picked that was taken before the app listened (freePort's port is free only when it
 * answers; the /healthz polls themselves, connecting to a port of the ephemeral range, can
 * occupy it by a TCP self-connect) is replaced by another, twice at most.
 */
export async function startApp(opts: StartAppOptions): Promise<AppProcess> {
  for (let attempt = 1; ; attempt++) {
    const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "sluice-data-")));
    try {
      return await startAppOnce({ ...opts, dataDir });
    } catch (e) {
      // A data dir this made goes with the attempt that failed.
      if (opts.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
      const taken = e instanceof Error && e.message.includes("EADDRINUSE");
      if (!taken || opts.port !== undefined || attempt === 3) throw e;
    }
  }
}

async function startAppOnce(opts: StartAppOptions & { dataDir: string }): Promise<AppProcess> {
  const { dataDir } = opts;
  const port = opts.port ?? (await freePort());
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    LANG: "C.UTF-8",
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: String(port),
    SLUICE_DATA_DIR: dataDir,
    LOG_LEVEL: "info",
    SLUICE_GITHUB_RETRY_BASE_MS: "20",
    ...opts.env,
  };
  // Beside the data dir, not in it (the sandbox tests check a run cannot read it); gone with the app.
  const configFile = env.SLUICE_SERVER_CONFIG === undefined ? join(dataDir, "..", `server-config-${port}.yaml`) : undefined;
  if (configFile !== undefined) {
    await writeFile(configFile, withTestDefaults(opts.serverConfig ?? ""));
    env.SLUICE_SERVER_CONFIG = configFile;
  }
  const argv = opts.entry ? [opts.entry] : ["--import", import.meta.resolve("tsx"), join(ROOT, "src/main.ts")];
  // taskset execs node in its own process: the pid is still the app's.
  const [command, args] = opts.cpus ? ["taskset", ["-c", opts.cpus, process.execPath, ...argv]] : [process.execPath, argv];
  const child: ChildProcess = spawn(command, args, {
    cwd: dataDir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exit = new Promise<number | null>((res) => child.once("exit", (code) => res(code))).then(async (code) => {
    if (configFile !== undefined) await rm(configFile, { force: true });
    return code;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  let exitedEarly = false;
  void exit.then(() => {
    exitedEarly = true;
  });
  for (;;) {
    if (exitedEarly) throw new Error(`the app exited during start:\n${out}`);
    try {
      // Bounded: a connection the other end drops without an answer can leave a fetch pending
      // forever (seen with a port another process holds), and the exit check above must run again.
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the app did not start in 90 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid as number,
    port,
    dataDir,
    output: () => out,
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
    exited: () => exit,
  };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * The tests' projects keep a throwaway state in the checkout (`tfProject`): their applies are
 * allowed, unless a test's own config says `allow_checkout_state` (its refusal is tested so).
 */
function withTestDefaults(config: string): string {
  const lines = [
    /^allow_checkout_state:/m.test(config) ? "" : "allow_checkout_state: true\n",
    // A test loses a delivery on purpose (the app not started yet, or made unreachable) to see what
    // follows; redelivery is tested on its own (webhook-redelivery.test.ts), where a test says so.
    /^redeliver_within:/m.test(config) ? "" : "redeliver_within: false\n",
  ].join("");
  return `${config}${config === "" || config.endsWith("\n") ? "" : "\n"}${lines}`;
}

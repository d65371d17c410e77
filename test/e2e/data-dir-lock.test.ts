import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSimulator } from "../simulator/github-simulator.js";
import { type AppProcess, freePort, removeDir, startApp } from "../support/start-app.js";
import { settledReadyz } from "../support/readyz.js";

// Issue #10 item 11: one Sluice per data dir, guarded by a lock the kernel releases on death.

let sim: Awaited<ReturnType<typeof startSimulator>>;
let env: Record<string, string>;
const started: AppProcess[] = [];

beforeAll(async () => {
  const secret = `whsec-${randomBytes(12).toString("hex")}`;
  sim = await startSimulator({ webhookSecret: secret });
  env = { APP_ID: String(sim.appId), PRIVATE_KEY: sim.privateKeyPem, WEBHOOK_SECRET: secret, GHE_HOST: sim.host, GHE_PROTOCOL: "http" };
});
afterAll(async () => {
  for (const app of started) await app.kill("SIGKILL");
  for (const stop of cleanups) await stop();
  await sim?.stop();
  for (const app of started) await removeDir(app.dataDir);
});
const cleanups: (() => Promise<void>)[] = [];

async function start(dataDir?: string): Promise<AppProcess> {
  const app = await startApp({ env, ...(dataDir ? { dataDir } : {}) });
  started.push(app);
  return app;
}

it("a second process on the same data dir is refused; after kill -9 of the first, a new one starts at once despite a stale pid file", async () => {
  const first = await start();
  const dir = first.dataDir;

  // A second Sluice on the same dir: refused at start, with a message that says why and who.
  const second = await start(dir).then(
    () => "started",
    (e: unknown) => String(e),
  );
  expect(second).toMatch(/another Sluice process \(pid \d+\)/);
  expect(second).toMatch(/data dir/);
  expect(second).toMatch(/DATABASE_URL=postgres/);
  expect(await fetch(`${first.url}/healthz`).then((r) => r.status)).toBe(200);

  // The first dies without cleaning up; what it left on disk must not matter.
  await first.kill("SIGKILL");
  // A pid file naming a live process that is not Sluice (pid reuse), as older versions left one.
  writeFileSync(join(dir, "sluice.db.lock"), String(process.pid));

  const third = await start(dir);
  expect((await settledReadyz(third.url)).status).toBe(200);
  expect(readFileSync(join(dir, "sluice.db.process-lock.owner"), "utf8").trim()).not.toBe("");
  expect(existsSync(join(dir, "sluice.db.lock"))).toBe(false);
});

it("a crashed Sluice that its parent has not reaped yet (a zombie) does not block a restart", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "sluice-data-"));
  const port = await freePort();
  // The shell starts Sluice in the background, then becomes `sleep`, which never waits for it:
  // once killed, Sluice stays a zombie whose pid still answers kill(pid, 0).
  const main = resolve(import.meta.dirname, "../../src/main.ts");
  const parent = spawn("sh", ["-c", `"$NODE" --import "$TSX" "$MAIN" >/dev/null 2>&1 & echo $!; exec sleep 600`], {
    cwd: dataDir,
    env: {
      ...env,
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(port),
      SLUICE_DATA_DIR: dataDir,
      NODE: process.execPath,
      TSX: import.meta.resolve("tsx"),
      MAIN: main,
    },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const parentExit = new Promise((r) => parent.once("exit", r));
  cleanups.push(async () => {
    parent.kill("SIGKILL");
    await parentExit;
    await removeDir(dataDir);
  });
  const pid = Number(await new Promise<string>((r) => parent.stdout?.once("data", (c: Buffer) => r(c.toString().trim()))));
  await sim.waitFor(
    () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    { timeoutMs: 30_000, message: "Sluice never came up" },
  );

  process.kill(pid, "SIGKILL");
  await sim.waitFor(() => readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] === "Z", { message: "no zombie" });
  // Still "alive" to kill(pid, 0): what the old pid-file guard asked.
  expect(() => process.kill(pid, 0)).not.toThrow();

  const next = await start(dataDir);
  expect((await settledReadyz(next.url)).status).toBe(200);
}, 60_000);

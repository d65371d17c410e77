import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSimulator } from "../simulator/github-simulator.js";
import { type AppProcess, removeDir, startApp } from "../support/start-app.js";

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
  await sim?.stop();
  if (started[0]) await removeDir(started[0].dataDir);
});

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
  expect((await fetch(`${third.url}/readyz`)).status).toBe(200);
  expect(readFileSync(join(dir, "sluice.db.process-lock.owner"), "utf8").trim()).not.toBe("");
  expect(existsSync(join(dir, "sluice.db.lock"))).toBe(false);
});

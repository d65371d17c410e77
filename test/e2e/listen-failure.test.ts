import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { JobSpec, JobTarget } from "../../src/model/job.js";
import { openStore } from "../../src/store/open-store.js";
import { startSimulator } from "../simulator/github-simulator.js";
import { freePort, removeDir, startApp } from "../support/start-app.js";
import { simulatorAppEnv } from "../simulator/app-env.js";

// Jobs start only once the process serves webhooks: a process that cannot listen exits before
// it claims anything, so no queued job (an apply) is started and then cut off by that exit.

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of cleanups.reverse()) await stop();
});

it("a process whose port is taken exits without claiming the queued jobs", async () => {
  const secret = `whsec-${randomBytes(12).toString("hex")}`;
  const sim = await startSimulator({ webhookSecret: secret });
  cleanups.push(() => sim.stop());
  const dataDir = await mkdtemp(join(tmpdir(), "sluice-data-"));
  cleanups.push(() => removeDir(dataDir));

  const target: JobTarget = { installationId: 7, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://example.test/a.git", pr: 1 };
  const spec: JobSpec = { kind: "reply", body: "help", commentId: 1, actor: "alice" };
  const before = await openStore(undefined, dataDir);
  const jobId = await before.enqueueInternal(target, spec);
  await before.close();

  const port = await freePort();
  const taken: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => taken.listen(port, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  const env = {
    ...simulatorAppEnv(sim, secret),
  };
  const started = await startApp({ env, dataDir, port }).then(
    () => "started",
    (e: unknown) => String(e),
  );
  expect(started).toMatch(/EADDRINUSE/);

  const after = await openStore(undefined, dataDir);
  expect((await after.getJob(jobId))?.status).toBe("queued");
  await after.close();
});

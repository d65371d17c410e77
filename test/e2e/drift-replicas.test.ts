import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject } from "../support/harness.js";
import { postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";
import { type AppProcess, removeDir, startApp } from "../support/start-app.js";
import { simulatorAppEnv } from "../simulator/app-env.js";

const available = postgresAvailability();
// In CI a missing PostgreSQL is a failure, not a skip (see .ci/run).
const suite = available.ok || process.env.CI ? describe : describe.skip;
const SERVER_CONFIG = `drift:\n  schedule: "*/2 * * * * *"\n`;

let db: TestPostgres;
let h: Harness;
let replica: AppProcess | undefined;
beforeAll(async () => {
  if (!available.ok && !process.env.CI) return;
  db = await startPostgres();
  h = await startHarness({ serverConfig: SERVER_CONFIG, env: { DATABASE_URL: db.url } });
}, 120_000);
afterAll(async () => {
  await replica?.kill("SIGTERM");
  if (replica) await removeDir(replica.dataDir);
  await h?.stop();
  await db?.stop();
});

/** `due` of every "scheduled drift check queued" line an app logged. */
const claimed = (output: string) =>
  output
    .split("\n")
    .filter((l) => l.includes("scheduled drift check queued"))
    .map((l) => (JSON.parse(l) as { due: string }).due);

suite(`drift schedules on PostgreSQL with two replicas${available.ok ? "" : `: ${available.reason}`}`, () => {
  it("each scheduled run is claimed by one replica only, and each claimed run makes one check", async () => {
    replica = await startApp({
      env: {
        ...simulatorAppEnv(h.sim, h.secret),
        DATABASE_URL: db.url,
      },
      serverConfig: SERVER_CONFIG,
    });
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "drift-pg",
      files: { "net/main.tf": statefulProject("net", "/tmp/sluice-drift-pg-none.tfstate", 0) },
    });
    const { sha } = await h.sim.pushDefaultBranch(repo, { "docs/README.md": "pg\n" });
    const checks = () => h.sim.checkRuns(repo, sha).filter((c) => c.name === "sluice/drift" && c.status === "completed");
    await h.sim.waitFor(() => checks().length >= 6, { message: "fewer than 6 scheduled checks", timeoutMs: 90_000 });
    const dues = [...claimed(h.app.output()), ...claimed((replica as AppProcess).output())];
    expect(dues.length).toBeGreaterThanOrEqual(6);
    expect(new Set(dues).size).toBe(dues.length);
    await h.sim.waitFor(() => checks().length >= dues.length, { message: "a claimed run made no check", timeoutMs: 60_000 });
    // Read before the logs: runs keep coming, but never more checks than claims.
    const created = h.sim.checkRuns(repo, sha).filter((c) => c.name === "sluice/drift").length;
    expect(created).toBeLessThanOrEqual(claimed(h.app.output()).length + claimed((replica as AppProcess).output()).length);
  });
});

import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";
import { removeDir, startApp } from "../support/start-app.js";
import { simulatorAppEnv } from "../simulator/app-env.js";

const available = postgresAvailability();
// In CI a missing PostgreSQL is a failure, not a skip (see .ci/run).
const suite = available.ok || process.env.CI ? describe : describe.skip;

let db: TestPostgres;
let h: Harness;
beforeAll(async () => {
  if (!available.ok && !process.env.CI) return;
  db = await startPostgres();
  h = await startHarness({ serverConfig: "apply_requirements: [approved]\n", env: { DATABASE_URL: db.url } });
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await db?.stop();
});

suite(`the app on PostgreSQL (DATABASE_URL)${available.ok ? "" : `: ${available.reason}`}`, () => {
  it("plans and applies with the shared store; a second replica does not act on the same delivery again", async () => {
    const state = join(await mkdtemp(join(h.stateDir, "pg-")), "net.tfstate");
    for (const u of ["alice", "bob"]) h.sim.setPermission("acme/pg", u, "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "pg", files: { "net/main.tf": statefulProject("net", state, 0) } });
    await h.sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
    const done = (name: string) => () => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === name && c.status === "completed");
    await h.sim.waitFor(done("sluice/plan"), { timeoutMs: 60_000 });

    // A second replica on the same database, with its own data dir.
    const replica = await startApp({
      env: {
        ...simulatorAppEnv(h.sim, h.secret),
        DATABASE_URL: db.url,
        SLUICE_SANDBOX_PATHS: h.stateDir,
      },
    });
    try {
      h.sim.setWebhookTarget(replica.url);
      const again = await h.sim.redeliver(pr.delivery.deliveryId);
      expect(again.status).toBe(202);
    } finally {
      h.sim.setWebhookTarget(h.app.url);
      await replica.kill("SIGTERM");
      await removeDir(replica.dataDir);
    }
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const jobs = await client.query("SELECT count(*)::int AS n FROM jobs WHERE delivery_id = $1", [pr.delivery.deliveryId]);
      expect(jobs.rows[0].n).toBe(1);
    } finally {
      await client.end();
    }

    await h.sim.approve(repo, pr.number, "bob");
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await h.sim.waitFor(done("sluice/apply"), { timeoutMs: 60_000 });
    expect(h.sim.checkRuns(repo, pr.headSha).find((c) => c.name === "sluice/apply")?.conclusion).toBe("success");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tfProject } from "../support/harness.js";
import { postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";
import { type AppProcess, freePort, removeDir, startApp } from "../support/start-app.js";
import { type Simulator, startSimulator } from "../simulator/github-simulator.js";
import { simulatorAppEnv } from "../simulator/app-env.js";
import { signIn } from "../support/console-sign-in.js";

const available = postgresAvailability();
// In CI a missing PostgreSQL is a failure, not a skip (see .ci/run).
const suite = available.ok || process.env.CI ? describe : describe.skip;

let db: TestPostgres;
let sim: Simulator;
const apps: AppProcess[] = [];
let envFor: (port: number) => Record<string, string>;

beforeAll(async () => {
  if (!available.ok && !process.env.CI) return;
  db = await startPostgres();
  sim = await startSimulator({ webhookSecret: "replicas" });
  envFor = (port) => ({
    ...simulatorAppEnv(sim, "replicas"),
    DATABASE_URL: db.url,
    GITHUB_CLIENT_ID: sim.oauthClientId,
    GITHUB_CLIENT_SECRET: sim.oauthClientSecret,
    // The same session key on every replica: a cookie from one is good on the others.
    SLUICE_SESSION_SECRET: "a-session-key-shared-by-all-replicas-0123456789",
    SLUICE_PUBLIC_URL: `http://127.0.0.1:${port}`,
  });
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    apps.push(await startApp({ port, env: envFor(port) }));
  }
}, 120_000);

afterAll(async () => {
  for (const a of apps) {
    await a.kill("SIGTERM");
    await removeDir(a.dataDir);
  }
  await sim?.stop();
  await db?.stop();
});

suite(`the console with several replicas on PostgreSQL${available.ok ? "" : `: ${available.reason}`}`, () => {
  it("serves a job's log from any replica, and again after the replica that received its webhook restarts", async () => {
    const [a, b] = apps as [AppProcess, AppProcess];
    sim.setWebhookTarget(a.url);
    sim.setPermission("acme/shared", "alice", "read");
    const repo = await sim.createRepo({ owner: "acme", name: "shared", files: { "net/main.tf": tfProject("net", 0) } });
    await sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": tfProject("net", 2) } });
    // A writer's pull request (its autoplan needs that); alice only reads it in the console.
    const pr = await sim.openPullRequest(repo, { head: "c", author: "carol" });
    await sim.waitFor(() => sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
      timeoutMs: 60_000,
    });
    const link =
      /\[live log\]\((http:[^)]+)\)/.exec(sim.comments(repo, pr.number).find((c) => c.user === "sluice[bot]")?.body ?? "")?.[1] ?? "";
    const jobPath = new URL(link).pathname;
    expect(jobPath).toMatch(/^\/jobs\/\d+$/);

    const cookie = await signIn(b.url, "alice");
    const fromB = await (await fetch(`${b.url}${jobPath}/events`, { headers: { cookie } })).text();
    expect(fromB).toContain("terraform_data.net_1");
    expect(fromB).toContain("event: end");
    const pageA = await fetch(`${a.url}${jobPath}`, { headers: { cookie } });
    expect(pageA.status).toBe(200);
    expect(await pageA.text()).toContain("terraform_data.net_1");

    // The replica that received the webhook (and, woken by it, ran the job) dies and comes back: the log is still there, on both.
    await a.kill("SIGKILL");
    const again = await startApp({ port: a.port, dataDir: a.dataDir, env: envFor(a.port) });
    apps[0] = again;
    for (const base of [again.url, b.url]) {
      const r = await fetch(`${base}${jobPath}`, { headers: { cookie } });
      expect([base, r.status]).toEqual([base, 200]);
      expect(await r.text()).toContain("terraform_data.net_1");
    }
    // The overview of either replica lists the project.
    expect(await (await fetch(`${b.url}/`, { headers: { cookie } })).text()).toMatch(/acme\/shared[\s\S]*net/);
  });

  it("refuses a session cookie copied before sign-out on every replica, and lets the browser sign in again", async () => {
    const [a, b] = apps as [AppProcess, AppProcess];
    sim.setPermission("acme/shared", "bob", "read");
    const cookie = await signIn(a.url, "bob");
    const copy = cookie;
    for (const base of [a.url, b.url])
      expect([base, (await fetch(`${base}/locks`, { headers: { cookie: copy } })).status]).toEqual([base, 200]);

    // Signed out on replica b, with the form's CSRF token.
    const page = await (await fetch(`${b.url}/`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
    const out = await fetch(`${b.url}/logout`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded", origin: b.url },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
      redirect: "manual",
    });
    expect(out.status).toBe(200);

    for (const base of [a.url, b.url]) {
      const pageAfter = await fetch(`${base}/locks`, { headers: { cookie: copy }, redirect: "manual" });
      expect([base, pageAfter.status, pageAfter.headers.get("location")]).toEqual([base, 302, "/login?return=%2Flocks"]);
      const api = await fetch(`${base}/audit.json`, { headers: { cookie: copy } });
      expect([base, api.status]).toEqual([base, 401]);
    }
    // Signing in again gives a new session that works, the old cookie still does not.
    const again = await signIn(b.url, "bob");
    expect((await fetch(`${a.url}/locks`, { headers: { cookie: again } })).status).toBe(200);
    expect((await fetch(`${a.url}/locks`, { headers: { cookie: copy }, redirect: "manual" })).status).toBe(302);
  });
});

import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulatorAppEnv } from "../simulator/app-env.js";
import { startSimulator } from "../simulator/github-simulator.js";
import { tfProject } from "../support/harness.js";
import { postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";
import { type AppProcess, freePort, removeDir, startApp } from "../support/start-app.js";

// Two Sluice processes on one PostgreSQL behind one public URL: a token minted by the replica that
// ran the plan verifies with the key set the other one serves.

const available = postgresAvailability();
const suite = available.ok || process.env.CI ? describe : describe.skip;

let db: TestPostgres;
let sim: Awaited<ReturnType<typeof startSimulator>>;
let stateDir: string;
let publicUrl: string;
const apps: AppProcess[] = [];

beforeAll(async () => {
  if (!available.ok && !process.env.CI) return;
  db = await startPostgres();
  const secret = `whsec-${randomBytes(12).toString("hex")}`;
  sim = await startSimulator({ webhookSecret: secret });
  stateDir = await mkdtemp(join(tmpdir(), "sluice-creds-replicas-"));
  const portA = await freePort();
  publicUrl = `http://127.0.0.1:${portA}`;
  const env = { ...simulatorAppEnv(sim, secret), DATABASE_URL: db.url, SLUICE_SANDBOX_PATHS: stateDir, SLUICE_PUBLIC_URL: publicUrl };
  const serverConfig = [
    'allow_custom_workflows: ["acme/*"]',
    "credentials:",
    '  - match: "acme/*"',
    "    plan: { oidc: { audience: sluice-test, token_path: /var/run/sluice/token } }",
    "",
  ].join("\n");
  apps.push(await startApp({ env, serverConfig, port: portA }));
  apps.push(await startApp({ env, serverConfig }));
  // Only B hears GitHub: B runs the plan and mints; A only serves the issuer's documents.
  sim.setWebhookTargets([(apps[1] as AppProcess).url]);
}, 120_000);

afterAll(async () => {
  for (const app of apps) await app.kill("SIGKILL");
  await sim?.stop();
  await db?.stop();
  for (const app of apps) await removeDir(app.dataDir);
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

suite("OIDC issuer across replicas", () => {
  it("a plan token minted by replica B verifies with the JWKS replica A serves, and B's", async () => {
    const seen = join(stateDir, "seen");
    await mkdir(seen, { recursive: true });
    sim.setPermission("acme/replicated", "alice", "write");
    const config = [
      "version: 1",
      "workflows:",
      "  keep:",
      "    plan:",
      `      steps: [init, { run: cp /var/run/sluice/token ${seen}/plan.token }, plan]`,
      "projects:",
      "  - { name: net, dir: net, workflow: keep }",
      "",
    ].join("\n");
    const repo = await sim.createRepo({
      owner: "acme",
      name: "replicated",
      files: { ".sluice.yaml": config, "net/main.tf": tfProject("net") },
    });
    await sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": tfProject("net", 2) } });
    const pr = await sim.openPullRequest(repo, { head: "c", author: "alice" });
    await sim.waitFor(async () => (await readdir(seen)).includes("plan.token"), { timeoutMs: 120_000, message: "no plan token" });
    const token = await readFile(join(seen, "plan.token"), "utf8");
    const [a, b] = apps as [AppProcess, AppProcess];
    for (const app of [a, b]) {
      const jwks = createRemoteJWKSet(new URL(`${app.url}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(token, jwks, { issuer: publicUrl, audience: "sluice-test" });
      expect(payload).toMatchObject({ sub: "repo:acme/replicated:project:net:workspace:default:phase:plan", pull_request: pr.number });
    }
    const kids = async (app: AppProcess) =>
      ((await (await fetch(`${app.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(await kids(a)).toEqual(await kids(b));
    expect(await kids(a)).toContain(decodeProtectedHeader(token).kid);
  }, 200_000);
});

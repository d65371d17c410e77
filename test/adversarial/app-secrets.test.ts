import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../simulator/github-simulator.js";
import { type AppProcess, removeDir, startApp } from "../support/start-app.js";
import type { Harness } from "../support/harness.js";
import { botComments, completedCheck } from "./support.js";

// With `sandbox: off`, a plan can read any file the Sluice process can, including
// /proc/<pid>/environ of Sluice itself (SECURITY.md). Redaction must at least keep the app's private
// key out of what is posted, in the base64 form Probot accepts for PRIVATE_KEY too. The harness
// passes the key as PEM, so this file starts its own app. (sandbox.test.ts: the same read, sandboxed.)

const WEBHOOK_SECRET = "whsec-app-secrets-test";
let sim: Awaited<ReturnType<typeof startSimulator>>;
let app: AppProcess;
let base64Key: string;

beforeAll(async () => {
  sim = await startSimulator({ webhookSecret: WEBHOOK_SECRET });
  base64Key = Buffer.from(sim.privateKeyPem).toString("base64");
  app = await startApp({
    env: { APP_ID: String(sim.appId), PRIVATE_KEY: base64Key, WEBHOOK_SECRET, GHE_HOST: sim.host, GHE_PROTOCOL: "http" },
    serverConfig: "sandbox: off\n",
  });
  sim.setWebhookTarget(app.url);
});
afterAll(async () => {
  await app?.kill("SIGTERM");
  await sim?.stop();
  if (app) await removeDir(app.dataDir);
});

/** The app's pid: the process whose environment holds this test's webhook secret. */
function appPid(): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "utf8").includes(`WEBHOOK_SECRET=${WEBHOOK_SECRET}`)) return Number(entry);
    } catch {
      // Not ours, or gone.
    }
  }
  throw new Error("the app's process was not found");
}

describe("a plan that reads the app's own environment", () => {
  it("gets it printed, but never the private key", async () => {
    const h = { sim } as unknown as Harness;
    const leak = `resource "terraform_data" "a" {}\noutput "env" {\n  value = replace(file("/proc/${appPid()}/environ"), "\\u0000", "\\n")\n}\n`;
    const repo = await sim.createRepo({
      owner: "acme",
      name: "env-reader",
      files: { "net/main.tf": 'resource "terraform_data" "a" {}\n' },
    });
    await sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": leak } });
    const pr = await sim.openPullRequest(repo, { head: "c", author: "mallory" });
    await completedCheck(h, repo, pr.headSha, "sluice/plan");
    const posted = [...botComments(h, repo, pr.number).map((c) => c.body), ...sim.checkRuns(repo).map((c) => c.output.summary ?? "")].join(
      "\n",
    );
    // The read worked: the environment is in the comment...
    expect(posted).toContain("SLUICE_DATA_DIR=");
    expect(posted).toContain("PRIVATE_KEY=[redacted]");
    // ...but no piece of the key, in either form.
    for (let i = 0; i + 60 <= base64Key.length; i += 300) expect(posted).not.toContain(base64Key.slice(i, i + 60));
    for (const line of sim.privateKeyPem.split("\n").slice(1, -2)) expect(posted).not.toContain(line);
  });
});

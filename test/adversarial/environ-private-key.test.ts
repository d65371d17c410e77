import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSimulator } from "../simulator/github-simulator.js";
import { startApp, removeDir, type AppProcess } from "../support/start-app.js";
import { completedCheck, botComments } from "./support.js";

let sim: Awaited<ReturnType<typeof startSimulator>>;
let app: AppProcess;
let b64 = "";
beforeAll(async () => {
  sim = await startSimulator({ webhookSecret: "whsec-b64-test" });
  b64 = Buffer.from(sim.privateKeyPem).toString("base64");
  // Redaction is the last line of defence: with the sandbox off, a plan can read the app's environ.
  app = await startApp({
    env: { APP_ID: String(sim.appId), PRIVATE_KEY: b64, WEBHOOK_SECRET: "whsec-b64-test", GHE_HOST: sim.host, GHE_PROTOCOL: "http" },
    serverConfig: "sandbox: off\n",
  });
  sim.setWebhookTarget(app.url);
});
afterAll(async () => {
  await app?.kill("SIGTERM");
  await sim?.stop();
  await removeDir(app.dataDir);
});

it("a plan reading the app's environment does not post a base64 private key", async () => {
  let pid = 0;
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/environ`, "utf8").includes("WEBHOOK_SECRET=whsec-b64-test")) pid = Number(e);
    } catch {}
  }
  const h = { sim } as never;
  const repo = await sim.createRepo({ owner: "acme", name: "leak64", files: { "net/main.tf": 'resource "terraform_data" "a" {}\n' } });
  await sim.pushBranch(repo, {
    branch: "c",
    files: {
      "net/main.tf": `resource "terraform_data" "a" {}\noutput "env" {\n  value = replace(file("/proc/${pid}/environ"), "\\u0000", "\\n")\n}\n`,
    },
  });
  const pr = await sim.openPullRequest(repo, { head: "c", author: "alice" });
  await completedCheck(h, repo, pr.headSha, "sluice/plan");
  const body = botComments(h, repo, pr.number)
    .map((c) => c.body)
    .join("\n");
  expect(body).toContain("PRIVATE_KEY=");
  expect(body).not.toContain(b64.slice(0, 64));
});

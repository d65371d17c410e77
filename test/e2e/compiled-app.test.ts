import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../simulator/github-simulator.js";
import { tfProject } from "../support/harness.js";
import { removeDir, startApp } from "../support/start-app.js";

const ROOT = join(import.meta.dirname, "../..");
// Inside the repo, so the compiled code finds node_modules as dist/ does.
const OUT = join(ROOT, `.test-dist-${process.pid}`);

beforeAll(() => {
  // What `npm run build` does (tsc, then the templates next to the compiled renderer), into a folder of our own.
  execFileSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", join(ROOT, "tsconfig.build.json"), "--outDir", OUT], { stdio: "pipe" });
  cpSync(join(ROOT, "src/render/templates"), join(OUT, "src/render/templates"), { recursive: true });
});
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe("production runs the compiled JavaScript", () => {
  it("node dist/src/main.js starts, is ready, and plans a pull request", async () => {
    const sim = await startSimulator({ webhookSecret: "s" });
    const app = await startApp({
      entry: join(OUT, "src/main.js"),
      env: { APP_ID: String(sim.appId), PRIVATE_KEY: sim.privateKeyPem, WEBHOOK_SECRET: "s", GHE_HOST: sim.host, GHE_PROTOCOL: "http" },
    });
    try {
      sim.setWebhookTarget(app.url);
      const repo = await sim.createRepo({ owner: "acme", name: "compiled", files: { "net/main.tf": tfProject("net") } });
      await sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": tfProject("net", 2) } });
      const pr = await sim.openPullRequest(repo, { head: "grow", author: "alice" });
      await sim.waitFor(() => sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
        timeoutMs: 60_000,
        message: "no plan",
      });
      expect(sim.checkRuns(repo, pr.headSha).find((c) => c.name === "sluice/plan")?.conclusion).toBe("success");
      expect(sim.comments(repo, pr.number).find((c) => c.user === "sluice[bot]")?.body).toContain("+2 ~0 -0");
      // The GitHub check runs in the background after start: wait for its answer, not for a time.
      let ready = await fetch(`${app.url}/readyz`);
      for (let i = 0; i < 100 && ready.status !== 200 && (await ready.clone().text()).includes("checking"); i++) {
        await new Promise((r) => setTimeout(r, 100));
        ready = await fetch(`${app.url}/readyz`);
      }
      expect(ready.status, await ready.clone().text()).toBe(200);
    } finally {
      await app.kill();
      await sim.stop();
      await removeDir(app.dataDir);
    }
  });
});

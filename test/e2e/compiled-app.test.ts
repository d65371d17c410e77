import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../simulator/github-simulator.js";
import { tfProject } from "../support/harness.js";
import { freePort, removeDir, startApp } from "../support/start-app.js";

const ROOT = join(import.meta.dirname, "../..");
// Inside the repo, so the compiled code finds node_modules as dist/ does.
const OUT = join(ROOT, `.test-dist-${process.pid}`);
const CHROMIUM = process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium";

beforeAll(() => {
  // `npm run build`'s own script, into a folder of our own: what the tests run is what production runs.
  execFileSync(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "scripts/build.ts"), "--out-dir", OUT], { stdio: "pipe" });
}, 120_000);
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

  it.runIf(existsSync(CHROMIUM) || process.env.CI)(
    "the compiled console, signed in, serves every page and every asset it links (templates and assets are in the build)",
    async () => {
      const sim = await startSimulator({ webhookSecret: "s" });
      const port = await freePort();
      const app = await startApp({
        entry: join(OUT, "src/main.js"),
        port,
        env: {
          APP_ID: String(sim.appId),
          PRIVATE_KEY: sim.privateKeyPem,
          WEBHOOK_SECRET: "s",
          GHE_HOST: sim.host,
          GHE_PROTOCOL: "http",
          GITHUB_CLIENT_ID: sim.oauthClientId,
          GITHUB_CLIENT_SECRET: sim.oauthClientSecret,
          SLUICE_PUBLIC_URL: `http://127.0.0.1:${port}`,
          SLUICE_SESSION_SECRET: "session-secret-for-the-compiled-console-0123456789",
          SSO_CORP_SECRET: "corp-client-secret",
        },
        // An OpenID provider that is down: the sign-in page lists it (unavailable) beside GitHub.
        serverConfig: `admins: [alice]\nsso:\n  - {name: corp, issuer: 'http://127.0.0.1:${await freePort()}', client_id: sluice, client_secret: 'env:SSO_CORP_SECRET', roles: {viewer: [eng]}}\n`,
      });
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
      try {
        sim.setWebhookTarget(app.url);
        sim.setPermission("acme/console", "alice", "write");
        const repo = await sim.createRepo({ owner: "acme", name: "console", files: { "net/main.tf": tfProject("net") } });
        await sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": tfProject("net", 2) } });
        const pr = await sim.openPullRequest(repo, { head: "grow", author: "alice" });
        await sim.waitFor(() => sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
          timeoutMs: 60_000,
        });

        const page = await (await browser.newContext()).newPage();
        // Every answer the browser gets, the pages' stylesheets, scripts and modules included.
        const answers = new Map<string, number>();
        page.on("response", (r) => answers.set(new URL(r.url()).pathname, r.status()));
        await page.goto(`${app.url}/`);
        // The compiled sign-in page: both ways to sign in, the provider that is down said as such.
        expect(await page.textContent("body")).toContain("corp");
        await page.click("a[href^='/login/github']");
        await page.fill("#login_field", "alice");
        await page.click("button[type=submit]");
        await page.waitForURL(`${app.url}/`);
        expect(answers.get("/"), "the overview after sign-in").toBe(200);
        expect(await page.textContent(".who")).toBe("alice");

        const lock = `repo=acme%2Fconsole&dir=net&workspace=default&pr=${pr.number}`;
        // One page per console template (message: a lock that is not held).
        const pages: [string, number][] = [
          ["/", 200],
          ["/locks", 200],
          ["/audit", 200],
          ["/jobs/1", 200],
          [`/locks/unlock?${lock}`, 200],
          [`/locks/unlock?${lock.replace(/pr=\d+/, "pr=999")}`, 409],
          ["/audit/deliveries", 200],
          ["/settings?repo=acme%2Fconsole", 200],
          ["/previews", 200],
          ["/tokens", 200],
        ];
        for (const [path, status] of pages) {
          const r = await page.goto(`${app.url}${path}`);
          await page.waitForLoadState("networkidle");
          expect([path, r?.status()]).toEqual([path, status]);
          expect(await page.textContent(".who"), path).toBe("alice");
        }
        const rendered = new Set([
          "overview",
          "locks",
          "audit",
          "job",
          "unlock",
          "message",
          "layout",
          "deliveries",
          "settings",
          "previews",
          "login",
          "tokens",
        ]);
        const templates = readdirSync(join(ROOT, "src/console/templates")).map((f) => f.replace(/\.hbs$/, ""));
        expect(
          templates.filter((t) => !rendered.has(t)),
          "a console template no page of this test renders",
        ).toEqual([]);

        const assets = [...answers].filter(([path]) => path.startsWith("/assets/"));
        expect(assets.map(([path]) => path).sort()).toEqual(["/assets/ansi_up.js", "/assets/console.css", "/assets/job.js"]);
        expect(assets.filter(([, status]) => status !== 200)).toEqual([]);
        expect([...answers].filter(([, status]) => status >= 500)).toEqual([]);
      } finally {
        await browser.close();
        await app.kill();
        await sim.stop();
        await removeDir(app.dataDir);
      }
    },
    180_000,
  );
  it("the compiled Terragrunt parse pool starts its workers from dist/, on the main thread and on a job thread", () => {
    // Plain node on the build, no tsx: the worker file and the grammar's .wasm must resolve from dist/.
    // The script reads on its main thread, then runs itself as a worker thread (as the job thread does).
    const script = join(OUT, "parse-pool-check.mjs");
    writeFileSync(
      script,
      `import { isMainThread, parentPort, Worker } from "node:worker_threads";
      import { readTerragruntFiles } from "./runners/terragrunt/read-terragrunt-files.js";
      import { closeParsePool, parsePoolSize } from "./runners/terragrunt/parse-pool.js";
      const unit = (i) => \`include "root" {\\n  path = find_in_parent_folders("root.hcl")\\n}\\ninputs = { n = \${i} }\\n\`;
      const files = new Map(Array.from({ length: 600 }, (_, i) => [\`live/u-\${i}/terragrunt.hcl\`, i === 7 ? "locals {" : unit(i)]));
      const parsed = await readTerragruntFiles(files, { poolMinFiles: 1 });
      const out = {
        workers: parsePoolSize(),
        kinds: parsed.get("live/u-9/terragrunt.hcl").refs.map((r) => r.kind),
        broken: parsed.get("live/u-7/terragrunt.hcl").error,
        order: [...parsed.keys()].slice(0, 3),
      };
      await closeParsePool();
      if (!isMainThread) parentPort.postMessage(out);
      else {
        const onThread = await new Promise((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url));
          w.once("message", resolve);
          w.once("error", reject);
        });
        console.log(JSON.stringify([out, onThread]));
      }
      `,
    );
    const answers = JSON.parse(execFileSync(process.execPath, [script], { encoding: "utf8", timeout: 60_000 }));
    expect(answers).toHaveLength(2);
    for (const side of answers) {
      expect(side.workers).toBeGreaterThan(0);
      expect(side.kinds).toEqual(["include"]);
      expect(side.broken).toMatch(/^HCL syntax error near line/);
      expect(side.order).toEqual(["live/u-0/terragrunt.hcl", "live/u-1/terragrunt.hcl", "live/u-2/terragrunt.hcl"]);
    }
  });
});

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../simulator/github-simulator.js";
import { type AppProcess, freePort, removeDir, startApp } from "../support/start-app.js";

/**
 * The console in a real browser (Debian's chromium driven by playwright-core) against the real
 * app and the GitHub simulator, which plays GitHub's OAuth web flow. One app for the file: the
 * tests below follow one story (plan, live apply, unlock, other users, metrics).
 */
const CHROMIUM = process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium";
// `npm run docs:screenshots` points this at the manual's pictures; a test run leaves them in test/artifacts.
const ARTIFACTS = process.env.SLUICE_SCREENSHOTS_DIR
  ? resolve(process.env.SLUICE_SCREENSHOTS_DIR)
  : resolve(import.meta.dirname, "../artifacts");
const SECRET = `corp-${"5e".repeat(16)}`;
const METRICS_TOKEN = "metrics-token-for-tests-0123456789";
const SESSION_SECRET = "session-secret-for-the-console-tests-0123456789";

let sim: Simulator;
let app: AppProcess;
let browser: Browser;
let stateDir: string;
let repo: Awaited<ReturnType<Simulator["createRepo"]>>;
let pr1: Awaited<ReturnType<Simulator["openPullRequest"]>>;
let pr2: Awaited<ReturnType<Simulator["openPullRequest"]>>;
const contexts: BrowserContext[] = [];

const backend = (name: string) => `terraform {\n  backend "local" {\n    path = "${join(stateDir, `${name}.tfstate`)}"\n  }\n}\n`;
// Its apply starts with an escape sequence the page's ansi_up would wait on for ever (`ESC [ 1 é`),
// alone and behind a second ESC, then a hyperlink behind a run of ESCs (`ESC ESC <hyperlink> ]8;;…`
// is `ESC ]8;;…` once the inner one goes): the lines after them must still show as they come, and
// the link's text as text. What printf reads; HCL wants each backslash doubled.
const SLOW_START = String.raw`starting \033[1\303\251 \033\033[1\303\251 \033\033\033]8;;x\007]8;;https://evil.example/\033\\Approve here\033\033\033]8;;x\007]8;;\033\\\n`;
const slowProject = (lines: number) =>
  `${backend("slow")}\nresource "terraform_data" "slow" {\n  input = "v2"\n  provisioner "local-exec" {\n    command = "printf '${SLOW_START.replace(/\\/g, "\\\\")}'; for i in ${Array.from({ length: lines }, (_, i) => i + 1).join(" ")}; do echo line $i; sleep 1; done"\n  }\n}\n`;
const netProject = (input: string, environOf?: number) =>
  `${backend("net")}\nresource "terraform_data" "net" {\n  input = "${input}"\n}\n${
    environOf ? `output "env" {\n  value = replace(file("/proc/${environOf}/environ"), "\\u0000", "\\n")\n}\n` : ""
  }`;

/** The app's process, found by a value only its environment holds. */
function appPid(): number {
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/environ`, "utf8").includes(`SLUICE_SESSION_SECRET=${SESSION_SECRET}`)) return Number(e);
    } catch {
      // a process that ended or is not ours
    }
  }
  throw new Error("the app's process was not found");
}

async function scrape(): Promise<string> {
  const r = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(r.status).toBe(200);
  return r.text();
}
/** The sum of a metric's samples whose labels include `labels`. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = /^([a-z_:]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const has = Object.entries(labels).every(([k, v]) => (m[2] ?? "").includes(`${k}="${v}"`));
    if (has) sum += Number(m[3]);
  }
  return sum;
}

async function completedChecks(sha: string, name: string) {
  return sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed");
}

/** A browser session signed in as `login` through the simulator's OAuth pages. */
async function signIn(login: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${app.url}/`);
  // Not signed in: the console sent us to GitHub's authorize page.
  expect(page.url()).toContain(`${sim.url}/login/oauth/authorize`);
  await page.fill("#login_field", login);
  await page.click("button[type=submit]");
  await page.waitForURL(`${app.url}/`);
  expect(await page.textContent(".who")).toBe(login);
  return page;
}

const browserAvailable = existsSync(CHROMIUM);

describe.runIf(browserAvailable || process.env.CI)("console in a browser", () => {
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "sluice-console-state-"));
    sim = await startSimulator({ webhookSecret: "console-secret" });
    const port = await freePort();
    app = await startApp({
      port,
      env: {
        APP_ID: String(sim.appId),
        PRIVATE_KEY: sim.privateKeyPem,
        WEBHOOK_SECRET: "console-secret",
        GHE_HOST: sim.host,
        GHE_PROTOCOL: "http",
        GITHUB_CLIENT_ID: sim.oauthClientId,
        GITHUB_CLIENT_SECRET: sim.oauthClientSecret,
        SLUICE_PUBLIC_URL: `http://127.0.0.1:${port}`,
        SLUICE_METRICS_TOKEN: METRICS_TOKEN,
        SLUICE_SESSION_SECRET: SESSION_SECRET,
        // Tool runs write local state only where the sandbox lets them.
        SLUICE_SANDBOX_PATHS: stateDir,
      },
      // sandbox: off lets a plan read this process's environment, as the redaction test needs
      // (with the sandbox on, the read itself fails: test/adversarial/sandbox.test.ts).
      serverConfig: `apply_requirements: []\nadmins: [alice]\nredact_patterns: ["corp-[0-9a-f]{32}"]\nsandbox: off\n`,
    });
    sim.setWebhookTarget(app.url);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-proxy-server",
      ],
    });
    await mkdir(ARTIFACTS, { recursive: true });

    for (const [login, role] of [
      ["alice", "write"],
      ["bob", "write"],
      ["rita", "read"],
    ] as const)
      sim.setPermission("acme/infra", login, role);
    sim.setPermission("acme/other", "nora", "write");
    repo = await sim.createRepo({
      owner: "acme",
      name: "infra",
      files: { "slow/main.tf": `${backend("slow")}`, "net/main.tf": `${backend("net")}` },
    });
    await sim.createRepo({ owner: "acme", name: "other", files: { "README.md": "other\n" } });
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await app?.kill("SIGTERM");
    await sim?.stop();
    if (app) await removeDir(app.dataDir);
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it("answers anonymous requests to every route with the sign-in redirect or 401, never data", async () => {
    const pages = ["/", "/locks", "/locks/unlock?repo=acme%2Finfra&dir=net&workspace=default&pr=1", "/audit", "/jobs/1"];
    for (const path of pages) {
      const r = await fetch(`${app.url}${path}`, { redirect: "manual" });
      expect([path, r.status]).toEqual([path, 302]);
      expect(r.headers.get("location")).toBe(`/login?return=${encodeURIComponent(path)}`);
      expect(await r.text()).toBe("");
    }
    for (const path of ["/jobs/1/events", "/audit.csv", "/audit.json"]) {
      const r = await fetch(`${app.url}${path}`, { redirect: "manual" });
      expect([path, r.status]).toEqual([path, 401]);
    }
    for (const path of ["/locks/unlock", "/pause", "/logout"]) {
      const r = await fetch(`${app.url}${path}`, {
        method: "POST",
        body: "a=1",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        redirect: "manual",
      });
      expect([path, r.status]).toEqual([path, 401]);
    }
    const metrics = await fetch(`${app.url}/metrics`);
    expect(metrics.status).toBe(401);
    const login = await fetch(`${app.url}/login`, { redirect: "manual" });
    expect(login.status).toBe(302);
    expect(login.headers.get("location")).toContain(`${sim.url}/login/oauth/authorize?`);
    expect(login.headers.get("set-cookie")).toMatch(/sluice_session=.*HttpOnly.*SameSite=Lax/i);
    expect(login.headers.get("set-cookie")).not.toMatch(/Secure/i);
    // Behind a TLS-terminating proxy the cookie is Secure, and named so that only this host can set it.
    const tls = await fetch(`${app.url}/login`, { redirect: "manual", headers: { "x-forwarded-proto": "https" } });
    expect(tls.headers.get("set-cookie")).toMatch(/^__Host-sluice_session=.*;\s*Secure/i);
    const page = await fetch(`${app.url}/`, { redirect: "manual" });
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
    expect(page.headers.get("content-security-policy")).not.toContain("unsafe");
    // Health endpoints stay open.
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it("plans, then shows a write user the overview and a running apply's log line by line", async () => {
    const before = await scrape();
    await sim.pushBranch(repo, {
      branch: "change",
      files: { "slow/main.tf": slowProject(4), "net/main.tf": netProject(SECRET, appPid()) },
    });
    pr1 = await sim.openPullRequest(repo, { head: "change", author: "alice", title: "slow and net" });
    await sim.waitFor(async () => (await completedChecks(pr1.headSha, "sluice/plan")).length > 0, { timeoutMs: 90_000 });
    await sim.pushBranch(repo, { branch: "other", files: { "net/main.tf": netProject("other") } });
    pr2 = await sim.openPullRequest(repo, { head: "other", author: "bob", title: "net too" });
    await sim.waitFor(async () => (await completedChecks(pr2.headSha, "sluice/plan")).length > 0, { timeoutMs: 90_000 });
    expect((await completedChecks(pr2.headSha, "sluice/plan"))[0]?.conclusion).toBe("failure");

    const page = await signIn("alice");
    const overview = await page.textContent("table.projects");
    expect(overview).toContain("acme/infra");
    expect(overview).toMatch(/net[\s\S]*held by\s*#1[\s\S]*waiting:\s*#2/);
    await page.screenshot({ path: join(ARTIFACTS, "overview.png"), fullPage: true });

    // The plan comment links to its job page; the page shows the (redacted) plan output.
    const planComment = sim.comments(repo, pr1.number).find((c) => c.user === "sluice[bot]")?.body ?? "";
    const planUrl = /\[live log\]\((http:[^)]+)\)/.exec(planComment)?.[1];
    expect(planUrl).toMatch(new RegExp(`^${app.url}/jobs/\\d+$`));
    await page.goto(planUrl as string);
    const planText = await page.textContent("#log");
    expect(planText).toContain("terraform_data.net");
    expect(await page.content()).not.toContain(SECRET);

    // Apply the slow project and watch its output arrive.
    const commentsBefore = sim.comments(repo, pr1.number).length;
    await sim.comment(repo, pr1.number, { user: "alice", body: "/apply -p slow" });
    await sim.waitFor(() =>
      sim
        .comments(repo, pr1.number)
        .slice(commentsBefore)
        .some((c) => c.user === "sluice[bot]" && c.body.includes("live log")),
    );
    const applyComment =
      sim
        .comments(repo, pr1.number)
        .slice(commentsBefore)
        .find((c) => c.user === "sluice[bot]")?.body ?? "";
    const applyUrl = /\[live log\]\((http:[^)]+)\)/.exec(applyComment)?.[1] as string;
    await page.goto(applyUrl);
    const seen: number[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      const text = (await page.textContent("#log")) ?? "";
      const count = [1, 2, 3, 4].filter((i) => text.includes(`line ${i}`)).length;
      if (seen.at(-1) !== count) seen.push(count);
      if (count === 4 || Date.now() > deadline) break;
      await page.waitForTimeout(100);
    }
    // Lines came one after another into the open page (never a page reload).
    expect(seen.at(-1)).toBe(4);
    expect(await page.locator("#log a").count()).toBe(0);
    expect(await page.textContent("#log")).toContain("Approve here");
    expect(seen.filter((c) => c > 0 && c < 4).length).toBeGreaterThanOrEqual(2);
    await page.locator("#job-status", { hasText: "done" }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(ARTIFACTS, "job.png"), fullPage: true });

    const after = await scrape();
    expect(metric(after, "sluice_webhooks_received_total", { event: "pull_request" })).toBeGreaterThan(
      metric(before, "sluice_webhooks_received_total", { event: "pull_request" }),
    );
    expect(metric(after, "sluice_webhooks_received_total", { event: "issue_comment" })).toBeGreaterThan(0);
    expect(metric(after, "sluice_jobs_total", { kind: "plan", outcome: "done" })).toBeGreaterThanOrEqual(2);
    expect(metric(after, "sluice_jobs_total", { kind: "apply", outcome: "done" })).toBe(1);
    expect(metric(after, "sluice_job_duration_seconds_count", { kind: "apply" })).toBe(1);
    expect(metric(after, "sluice_github_rate_limit_remaining")).toBe(4999);
    expect(metric(after, "sluice_locks_held")).toBe(2);
    expect(metric(after, "sluice_projects_drifted")).toBe(0);
    expect(after).toMatch(/^sluice_process_cpu_user_seconds_total /m);
    expect(after).toMatch(/^sluice_nodejs_heap_size_used_bytes /m);
    // The job thread's own heap, told apart from the HTTP thread's (reported at its start, then every 15 s).
    expect(metric(after, "sluice_job_thread_heap_used_bytes")).toBeGreaterThan(1_000_000);
    expect(metric(after, "sluice_job_thread_heap_size_bytes")).toBeGreaterThanOrEqual(metric(after, "sluice_job_thread_heap_used_bytes"));
  });

  it("never stores, streams or shows a secret the plan printed", async () => {
    const db = new Database(join(app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare("SELECT text FROM job_logs").all() as { text: string }[];
      const all = rows.map((r) => r.text).join("");
      expect(all).toContain("terraform_data.net");
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain("5e5e5e5e");
      // The plan printed the app's environment (a PR's code can read it): the console's own secrets are redacted.
      expect(all).toContain("SLUICE_DATA_DIR");
      for (const secret of [sim.oauthClientSecret, SESSION_SECRET, METRICS_TOKEN]) expect(all).not.toContain(secret);
    } finally {
      db.close();
    }
    const page = (await signIn("alice")).context();
    const planComment = sim.comments(repo, pr1.number).find((c) => c.user === "sluice[bot]")?.body ?? "";
    const planUrl = /\[live log\]\((http:[^)]+)\)/.exec(planComment)?.[1] as string;
    const stream = await page.request.get(`${planUrl}/events`);
    const events = await stream.text();
    expect(events).toContain("event: chunk");
    expect(events).toContain("terraform_data.net");
    expect(events).toContain("event: end");
    expect(events).not.toContain(SECRET);
    const html = await (await page.request.get(planUrl)).text();
    expect(html).toContain("terraform_data.net");
    expect(html).not.toContain(SECRET);
    const posted = sim
      .comments(repo, pr1.number)
      .map((c) => c.body)
      .join("\n");
    expect(posted).toContain("SLUICE_DATA_DIR");
    for (const text of [events, html, posted]) {
      for (const secret of [SECRET, sim.oauthClientSecret, SESSION_SECRET, METRICS_TOKEN]) expect(text).not.toContain(secret);
    }
  });

  it("unlocks with confirmation, and the waiting PR is planned again", async () => {
    const page = await signIn("alice");
    await page.goto(`${app.url}/locks`);
    const row = page.locator("table.locks tr", { hasText: "net" });
    await row.getByRole("link", { name: "Unlock…" }).click();
    expect(await page.textContent("h1")).toBe("Unlock net?");
    await page.screenshot({ path: join(ARTIFACTS, "unlock-confirm.png") });
    await page.getByRole("button", { name: "Unlock" }).click();
    await page.waitForURL(`${app.url}/locks?done=unlock`);
    expect(await page.textContent(".flash")).toContain("Unlock queued");
    await sim.waitFor(async () => (await completedChecks(pr2.headSha, "sluice/plan")).some((c) => c.conclusion === "success"), {
      timeoutMs: 90_000,
      message: "the waiting PR was not planned again",
    });
    await page.goto(`${app.url}/locks`);
    expect(await page.locator("table.locks tr", { hasText: "net" }).textContent()).toContain("#2");
    expect(sim.comments(repo, pr1.number).some((c) => c.user === "sluice[bot]" && c.body.includes("Released 1 lock"))).toBe(true);
    await page.goto(`${app.url}/audit?action=unlock`);
    expect(await page.textContent("table.audit")).toMatch(/alice[\s\S]*unlock[\s\S]*acme\/infra net/);
    await page.screenshot({ path: join(ARTIFACTS, "audit.png"), fullPage: true });
    const csv = await (await page.request.get(`${app.url}/audit.csv`)).text();
    expect(csv.split("\r\n")[0]).toBe("at,actor,action,repo,project,pr,detail");
    expect(csv).toMatch(/,alice,unlock,acme\/infra,net,1,/);
    expect(csv).toMatch(/,alice,apply,acme\/infra,slow,1,succeeded/);
    const json = (await (await page.request.get(`${app.url}/audit.json?action=apply`)).json()) as { action: string; project: string }[];
    expect(json.map((r) => [r.action, r.project])).toEqual([["apply", "slow"]]);
  });

  it("shows a read user the repo without an unlock button, and refuses a forged unlock", async () => {
    const page = await signIn("rita");
    expect(await page.textContent("table.projects")).toContain("acme/infra");
    await page.goto(`${app.url}/locks`);
    expect(await page.locator("table.locks").textContent()).toContain("net");
    expect(await page.getByRole("link", { name: "Unlock…" }).count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "locks-read-user.png") });
    const form = { repo: "acme/infra", dir: "net", workspace: "default", pr: "2" };
    // No CSRF token: refused.
    const noToken = await page.request.post(`${app.url}/locks/unlock`, { form, maxRedirects: 0 });
    expect(noToken.status()).toBe(403);
    // A valid token of her own session: refused for want of write access.
    const token = await page.locator("form.signout input[name=_csrf]").getAttribute("value");
    const forged = await page.request.post(`${app.url}/locks/unlock`, { form: { ...form, _csrf: token as string }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain("needs write access");
    // Not an admin either.
    const pause = await page.request.post(`${app.url}/pause`, {
      form: { action: "pause", reason: "x", _csrf: token as string },
      maxRedirects: 0,
    });
    expect(pause.status()).toBe(403);
    await page.goto(`${app.url}/locks`);
    expect(await page.locator("table.locks tr", { hasText: "net" }).textContent()).toContain("#2");
  });

  it("shows a user without access nothing of the repo", async () => {
    const page = await signIn("nora");
    expect(await page.textContent("main")).not.toContain("acme/infra");
    const planComment = sim.comments(repo, pr1.number).find((c) => c.user === "sluice[bot]")?.body ?? "";
    const planUrl = /\[live log\]\((http:[^)]+)\)/.exec(planComment)?.[1] as string;
    const job = await page.request.get(planUrl);
    expect(job.status()).toBe(404);
    expect(await job.text()).not.toContain("terraform_data");
    expect((await page.request.get(`${planUrl}/events`)).status()).toBe(404);
    await page.goto(`${app.url}/locks`);
    expect(await page.textContent("main")).not.toContain("acme/infra");
    const audit = await (await page.request.get(`${app.url}/audit.json`)).json();
    expect(audit).toEqual([]);
  });

  it("returns after sign-in only to the console's own pages, as the browser reads the path", async () => {
    const signInFrom = async (returnTo: string) => {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${app.url}/login?return=${encodeURIComponent(returnTo)}`);
      await page.fill("#login_field", "bob");
      await page.click("button[type=submit]");
      // Wherever the console sends the browser next: its own page, or (before the fix) another host.
      await page.waitForURL((u) => u.host !== new URL(sim.url).host, { timeout: 30_000 });
      return page.url();
    };
    expect(await signInFrom("/locks")).toBe(`${app.url}/locks`);
    // Chromium drops the tab and reads `//evil.example/x`: another host, so the console's overview instead.
    for (const hostile of ["/\t/evil.example/x", "/\\evil.example", "//evil.example", "javascript:alert(1)"])
      expect([hostile, await signInFrom(hostile)]).toEqual([hostile, `${app.url}/`]);
  });

  it("ends the session on sign-out: a copy of its cookie opens nothing afterwards", async () => {
    const page = await signIn("bob");
    const copied = (await page.context().cookies(app.url)).filter((c) => c.name === "sluice_session");
    expect(copied).toHaveLength(1);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForLoadState();
    expect(await page.textContent("main")).toContain("You are signed out");

    const other = await browser.newContext();
    contexts.push(other);
    await other.addCookies(copied);
    const stolen = await other.newPage();
    await stolen.goto(`${app.url}/locks`);
    expect(stolen.url()).toContain(`${sim.url}/login/oauth/authorize`);
    const api = await stolen.request.get(`${app.url}/audit.json`);
    expect(api.status()).toBe(401);
  });

  it("pauses applies for an admin: an apply is refused on the PR with who and why", async () => {
    const page = await signIn("alice");
    await page.locator("details.pause-control summary").click();
    await page.fill("input[name=reason]", "incident 42");
    await page.getByRole("button", { name: "Pause every apply" }).click();
    await page.waitForURL(`${app.url}/?done=pause`);
    expect(await page.textContent(".paused")).toContain("incident 42");
    const before = sim.comments(repo, pr2.number).length;
    await sim.comment(repo, pr2.number, { user: "bob", body: "/apply" });
    await sim.waitFor(
      () =>
        sim
          .comments(repo, pr2.number)
          .slice(before)
          .some((c) => c.user === "sluice[bot]" && c.body.includes("Applies are paused")),
      {
        timeoutMs: 60_000,
        message: "no refusal on the PR while applies are paused",
      },
    );
    expect(
      sim
        .comments(repo, pr2.number)
        .slice(before)
        .find((c) => c.body.includes("Applies are paused"))?.body,
    ).toContain("incident 42");
    await page.getByRole("button", { name: "Resume applies" }).click();
    await page.waitForURL(`${app.url}/?done=resume`);
    expect(await page.locator(".paused").count()).toBe(0);
  });

  it("a Resume from a page drawn before a newer pause lifts nothing: that pause stays, and the page says whose", async () => {
    const page = await signIn("alice");
    await page.locator("details.pause-control summary").click();
    await page.fill("input[name=reason]", "incident 43");
    await page.getByRole("button", { name: "Pause every apply" }).click();
    await page.waitForURL(`${app.url}/?done=pause`);
    // Another admin pauses again, from the pull request, while this page still shows the first pause.
    const before = sim.comments(repo, pr2.number).length;
    await sim.comment(repo, pr2.number, { user: "alice", body: "/applies pause -- db failover" });
    await sim.waitFor(
      () =>
        sim
          .comments(repo, pr2.number)
          .slice(before)
          .some((c) => c.user === "sluice[bot]" && c.body.includes("(db failover)")),
      { timeoutMs: 60_000, message: "no answer to /applies pause" },
    );
    await page.getByRole("button", { name: "Resume applies" }).click();
    expect(await page.textContent("main")).toContain("Paused again since");
    expect(await page.textContent("main")).toContain("db failover");
    // Control: the page drawn again shows the newer pause, and its Resume lifts it.
    await page.goto(`${app.url}/`);
    expect(await page.textContent(".paused")).toContain("db failover");
    await page.getByRole("button", { name: "Resume applies" }).click();
    await page.waitForURL(`${app.url}/?done=resume`);
    expect(await page.locator(".paused").count()).toBe(0);
  });
});

if (!browserAvailable && !process.env.CI) {
  // A laptop without chromium may skip; CI must not (npm test's setup installs chromium: scripts/setup-system.ts).
  describe("console in a browser", () => {
    it.skip(`skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium, or set SLUICE_CHROMIUM)`, () => undefined);
  });
}

import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulatorAppEnv } from "../simulator/app-env.js";
import { type Simulator, startSimulator } from "../simulator/github-simulator.js";
import { tfProject } from "../support/harness.js";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.js";
import { postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";
import { openPostgresStore } from "../../src/store/postgres-store.js";
import { type AppProcess, freePort, removeDir, startApp } from "../support/start-app.js";

/**
 * Single sign-on against a real OpenID provider (oidc-provider, certified) on a loopback port,
 * with the console in Chromium and two replicas of the app on one PostgreSQL. GitHub sign-in is
 * off; the API is on. Groups: eng → viewer, sre → operator of acme/*, platform → admin, sales →
 * no role.
 */
const CHROMIUM = process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium";
const SESSION_SECRET = "a-session-key-shared-by-the-sso-replicas-0123456789";
const pgAvailable = postgresAvailability();
const run = (existsSync(CHROMIUM) && pgAvailable.ok) || process.env.CI;

let db: TestPostgres;
let sim: Simulator;
let idp: TestOidcProvider;
let browser: Browser;
const apps: AppProcess[] = [];
const contexts: BrowserContext[] = [];
let jobPath = "";

const config = (issuer: string) => `apply_requirements: []
github_sign_in: false
api: {enabled: true}
sso:
  - name: corp
    issuer: '${issuer}'
    client_id: sluice-console
    client_secret: 'env:SLUICE_TEST_SSO_SECRET'
    roles:
      viewer: [eng]
      operator: [{group: sre, repos: ['acme/*']}]
      admin: [platform]
`;

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  return context.newPage();
}

/** Signs `login` in through the provider's pages; the page ends wherever the callback sent it. */
async function throughProvider(page: Page, base: string, login: string): Promise<void> {
  await page.goto(`${base}/`);
  // Not signed in: the console's sign-in page, GitHub's way off.
  expect(new URL(page.url()).pathname).toBe("/login");
  await page.click('a[href^="/login/sso/corp"]');
  await page.waitForURL(`${idp.issuer}/**`);
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', "anything");
  await page.click('button[type="submit"]');
  // The provider asks for consent once per user and client.
  await page.waitForURL((u) => u.href.startsWith(base) || u.pathname.includes("interaction"));
  if (!page.url().startsWith(base)) {
    await page.click('button[type="submit"]');
    await page.waitForURL((u) => u.href.startsWith(base));
  }
}

async function signIn(login: string, base = apps[0]?.url as string): Promise<Page> {
  const page = await newPage();
  await throughProvider(page, base, login);
  await page.waitForURL(`${base}/`);
  expect(await page.textContent(".who")).toBe(login);
  return page;
}

/** A request from the page itself (its cookie; the CSRF token of its forms when asked). */
async function pageFetch(page: Page, path: string, form?: Record<string, string>) {
  const field = page.locator('input[name="_csrf"]').first();
  const csrf = form && (await field.count()) > 0 ? await field.inputValue() : "";
  return page.evaluate(
    async ({ path, form, csrf }) => {
      const r = await fetch(path, form ? { method: "POST", body: new URLSearchParams({ _csrf: csrf, ...form }), redirect: "manual" } : {});
      return { status: r.status, text: await r.text() };
    },
    { path, form, csrf },
  );
}

const api = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${apps[0]?.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
  });

describe.runIf(run)("single sign-on in a browser, two replicas", () => {
  beforeAll(async () => {
    db = await startPostgres();
    sim = await startSimulator({ webhookSecret: "sso" });
    const ports = [await freePort(), await freePort()];
    idp = await startOidcProvider({
      port: await freePort(),
      redirectUris: ports.map((p) => `http://127.0.0.1:${p}/login/sso/corp/callback`),
      accounts: { vera: { groups: ["eng"] }, otto: { groups: ["sre"] }, ada: { groups: ["platform"] }, nobody: { groups: ["sales"] } },
    });
    for (const port of ports)
      apps.push(
        await startApp({
          port,
          env: {
            ...simulatorAppEnv(sim, "sso"),
            DATABASE_URL: db.url,
            SLUICE_SESSION_SECRET: SESSION_SECRET,
            SLUICE_PUBLIC_URL: `http://127.0.0.1:${port}`,
            SLUICE_TEST_SSO_SECRET: idp.clientSecret,
          },
          serverConfig: config(idp.issuer),
        }),
      );
    sim.setWebhookTarget(apps[0]?.url as string);
    const repo = await sim.createRepo({
      owner: "acme",
      name: "infra",
      files: { "net/main.tf": tfProject("net", 0), "db/main.tf": tfProject("db", 0) },
    });
    await sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": tfProject("net", 1), "db/main.tf": tfProject("db", 1) } });
    const pr = await sim.openPullRequest(repo, { head: "c", author: "alice" });
    await sim.waitFor(() => sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
      timeoutMs: 90_000,
    });
    const link = /\[live log\]\((http:[^)]+)\)/.exec(sim.comments(repo, pr.number).find((c) => c.user === "sluice[bot]")?.body ?? "")?.[1];
    jobPath = new URL(link ?? "http://x/none").pathname;
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
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    for (const a of apps) {
      await a.kill("SIGTERM");
      await removeDir(a.dataDir);
    }
    await idp?.stop();
    await sim?.stop();
    await db?.stop();
  });

  it("signs a viewer in: locks, jobs and audit are readable; an unlock is refused (control: an operator's page offers it)", async () => {
    expect(jobPath).toMatch(/^\/jobs\/\d+$/);
    const vera = await signIn("vera");
    await vera.goto(`${apps[0]?.url}/locks`);
    const locks = await vera.content();
    expect(locks).toContain("acme/infra");
    expect(locks).not.toContain("/locks/unlock?");
    expect((await vera.goto(`${apps[0]?.url}${jobPath}`))?.status()).toBe(200);
    expect((await vera.goto(`${apps[0]?.url}/audit`))?.status()).toBe(200);
    await vera.goto(`${apps[0]?.url}/locks`);
    const refused = await pageFetch(vera, "/locks/unlock", { repo: "acme/infra", pr: "1", dir: "net", workspace: "default" });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain("Unlocking needs write access to acme/infra.");
    // Not an admin: no token page, no pause.
    expect((await pageFetch(vera, "/tokens")).status).toBe(403);
    expect((await pageFetch(vera, "/pause", { action: "pause", reason: "x" })).status).toBe(403);

    const otto = await signIn("otto");
    await otto.goto(`${apps[0]?.url}/locks`);
    expect(await otto.content()).toContain("/locks/unlock?");
  });

  it("shows a user whose groups map to no role no repository, on every page and error page", async () => {
    const nobody = await signIn("nobody");
    const base = apps[0]?.url as string;
    await nobody.goto(`${base}/`);
    expect(await nobody.content()).not.toContain("acme/infra");
    await nobody.goto(`${base}/locks`);
    expect(await nobody.content()).not.toContain("acme/infra");
    expect((await nobody.goto(`${base}${jobPath}`))?.status()).toBe(404);
    const hidden = await pageFetch(nobody, "/settings?repo=acme/infra");
    const missing = await pageFetch(nobody, "/settings?repo=acme/no-such-repo");
    expect(hidden.status).toBe(404);
    // The same answer as for a repository that does not exist: nothing named.
    const noCsrf = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, "");
    expect(noCsrf(hidden.text)).toBe(noCsrf(missing.text));
    expect(hidden.text).not.toContain("acme/infra");
    expect((await pageFetch(nobody, "/audit.json")).text).not.toContain("acme/infra");
    // Control: a viewer's settings page for it answers.
    const vera = await signIn("vera");
    expect((await pageFetch(vera, "/settings?repo=acme/infra")).status).toBe(200);
  });

  it("refuses a forged, an expired, a wrong-audience and a replayed ID token, saying why (control: the real one signs in)", async () => {
    const cases: [string, (b: Record<string, unknown>) => Promise<string>, RegExp][] = [
      ["forged", async (b) => idp.forge({ ...claimsOf(b), sub: "mallory" }), /signature/i],
      [
        "expired",
        async (b) => idp.sign({ ...claimsOf(b), exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }),
        /"exp"/,
      ],
      ["wrong audience", async (b) => idp.sign({ ...claimsOf(b), aud: "another-client" }), /"aud"/],
      // An ID token the provider really issued, to an earlier sign-in: its nonce is not this one's.
      ["replayed", async () => idp.idTokens[0] as string, /nonce/],
    ];
    expect(idp.idTokens.length).toBeGreaterThan(0);
    try {
      for (const [name, idToken, reason] of cases) {
        idp.tamper = async (body) => ({ ...body, id_token: await idToken(body) });
        const page = await newPage();
        await throughProvider(page, apps[0]?.url as string, "vera");
        const text = (await page.textContent("main")) ?? "";
        expect([name, new URL(page.url()).pathname]).toEqual([name, "/login/sso/corp/callback"]);
        expect(text, name).toContain("Sign-in failed");
        expect(text, name).toMatch(reason);
        expect(text, name).not.toMatch(/\bat \S+ \(|node:internal/);
        // No session came of it.
        expect((await pageFetch(page, "/locks")).text).not.toContain("acme/infra");
      }
    } finally {
      idp.tamper = undefined;
    }
    await signIn("vera");
    // The callback of a sign-in already finished cannot be used again.
    const page = await newPage();
    const callbacks: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/login/sso/corp/callback")) callbacks.push(r.url());
    });
    await throughProvider(page, apps[0]?.url as string, "vera");
    await page.waitForURL(`${apps[0]?.url}/`);
    expect(callbacks).toHaveLength(1);
    const replay = await page.goto(callbacks[0] as string);
    expect(replay?.status()).toBe(400);
    expect(await page.textContent("main")).toContain("used already");
  });

  it("issues API tokens in the console; scopes, repositories and revocation hold (controls: the right token works)", async () => {
    const ada = await signIn("ada");
    await ada.goto(`${apps[0]?.url}/tokens`);
    const issue = async (name: string, scopes: string[], repos = "") => {
      await ada.goto(`${apps[0]?.url}/tokens`);
      await ada.fill('input[name="name"]', name);
      for (const s of ["read", "operate", "admin"]) await ada.setChecked(`input[name="scopes"][value="${s}"]`, scopes.includes(s));
      await ada.fill('input[name="repos"]', repos);
      await ada.click(".issue-token button[type=submit]");
      return ((await ada.textContent(".new-token")) ?? "").trim();
    };
    const reader = await issue("reader", ["read"]);
    const elsewhere = await issue("elsewhere", ["operate"], "other/*");
    const operator = await issue("ops", ["operate"]);
    expect(reader).toMatch(/^sluice_/);
    expect(await ada.content()).toContain("ops");

    const locks = await api("/api/v1/locks", reader);
    expect(locks.status).toBe(200);
    const held = (await locks.json()) as { project: string; dir: string; workspace: string; pr: number }[];
    const db = held.find((l) => l.project === "db");
    expect(db).toBeDefined();
    const unlock = (token: string) =>
      api("/api/v1/locks/unlock", token, {
        method: "POST",
        body: JSON.stringify({ repo: "acme/infra", pr: db?.pr, dir: "db", workspace: "default" }),
      });
    const readOnly = await unlock(reader);
    expect(readOnly.status).toBe(403);
    expect(((await readOnly.json()) as { error: string }).error).toContain("needs the operate scope");
    const otherRepos = await unlock(elsewhere);
    expect(otherRepos.status).toBe(404);
    // Bad input: a JSON error with a message.
    const bad = await api("/api/v1/drift/pause", operator, { method: "POST", body: JSON.stringify({ repo: "acme/infra" }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/body\.project/);

    // Revoked in the console (on the other replica): refused from then on, everywhere.
    const victim = await issue("to-revoke", ["operate"]);
    expect((await api("/api/v1/whoami", victim)).status).toBe(200);
    await ada.goto(`${apps[1]?.url}/tokens`);
    const row = ada.locator("tr", { hasText: "to-revoke" });
    await row.locator("button", { hasText: "Revoke" }).click();
    await ada.waitForURL(`${apps[1]?.url}/tokens?done=revoke`);
    const revoked = await api("/api/v1/whoami", victim);
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as { error: string }).error).toBe("the token is unknown, revoked or expired");

    // Control: the operator token releases the lock, through the /unlock job; the audit names the token.
    const ok = await unlock(operator);
    expect(ok.status).toBe(202);
    await sim.waitFor(
      async () => !((await (await api("/api/v1/locks", reader)).json()) as { project: string }[]).some((l) => l.project === "db"),
      { timeoutMs: 30_000 },
    );
    // The job records the unlock once it released the lock (a moment after the lock is gone).
    const unlocks = async () => (await (await api("/api/v1/audit?action=unlock", reader)).json()) as { actor: string; detail: string }[];
    await sim.waitFor(async () => (await unlocks()).length > 0, { timeoutMs: 30_000 });
    const audit = await unlocks();
    expect(audit[0]?.actor).toMatch(/^token:\d+:ops$/);
    expect(audit[0]?.detail).toMatch(/released from the API \(token \d+ ops\)/);
    // A resume naming the pause it read lifts that one only: a pause set since stays (409); control: the newer one's `at` lifts it.
    const pause = (reason: string) => api("/api/v1/applies/pause", operator, { method: "POST", body: JSON.stringify({ reason }) });
    const resume = (pausedAt: string) => api("/api/v1/applies/resume", operator, { method: "POST", body: JSON.stringify({ pausedAt }) });
    const pausedNow = async () => (await (await api("/api/v1/applies/pause", reader)).json()) as { paused: boolean; at?: string };
    expect((await pause("first")).status).toBe(200);
    const first = (await pausedNow()).at as string;
    await new Promise((r) => setTimeout(r, 5));
    expect((await pause("second")).status).toBe(200);
    const stale = await resume(first);
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: string }).error).toContain("(second)");
    expect((await resume((await pausedNow()).at as string)).status).toBe(200);
    expect((await pausedNow()).paused).toBe(false);
    // Token events name other tokens and their repositories: an admin's token reads them, a reader's none.
    const admin = await issue("auditor", ["read", "admin"]);
    const issued = (await (await api("/api/v1/audit?action=api-token-issue", admin)).json()) as { actor: string }[];
    expect(issued.length).toBeGreaterThanOrEqual(4);
    expect(issued.every((e) => e.actor === "sso:corp:ada")).toBe(true);
    expect(await (await api("/api/v1/audit?action=api-token-issue", reader)).json()).toEqual([]);
  });

  it("an operator unlocks from the console; the audit names the SSO identity and provider", async () => {
    const otto = await signIn("otto");
    await otto.goto(`${apps[0]?.url}/locks`);
    await otto.click('a[href*="/locks/unlock?"][href*="dir=net"]');
    await otto.click('form[action="/locks/unlock"] button[type=submit]');
    await otto.waitForURL(`${apps[0]?.url}/locks?done=unlock`);
    await sim.waitFor(async () => !(await pageFetch(otto, "/locks")).text.includes("net</"), { timeoutMs: 30_000 });
    const unlocks = async () =>
      JSON.parse((await pageFetch(otto, "/audit.json?action=unlock")).text) as { actor: string; detail: string }[];
    await sim.waitFor(async () => (await unlocks()).some((r) => r.actor === "sso:corp:otto"), { timeoutMs: 30_000 });
    const rows = await unlocks();
    expect(rows.find((r) => r.actor === "sso:corp:otto")?.detail).toContain("released from the console (SSO corp)");
  });

  it("an operator pauses and resumes reconciliation of a project from the overview; a viewer is offered no such form", async () => {
    const store = await openPostgresStore(db.url, { replicaName: "test", log: { warn: () => undefined } });
    try {
      await store.recordDriftCheck({
        repo: "acme/infra",
        project: "net",
        status: "drifted",
        reason: "",
        checkedAt: new Date().toISOString(),
      });
    } finally {
      await store.close();
    }
    const vera = await signIn("vera");
    expect(await vera.content()).not.toContain("Pause reconciliation");
    const otto = await signIn("otto");
    await otto.fill('form.drift-pause input[name="reason"]', "db migration until Friday");
    await otto.click('form.drift-pause button[type="submit"]');
    await otto.waitForURL(`${apps[0]?.url}/?done=drift-pause`);
    expect(await otto.content()).toContain("paused: db migration until Friday");
    // Resuming is the job `/drift resume` runs (the server's permissions rule): its page answers.
    await otto.click('form.drift-pause button[type="submit"]');
    await otto.waitForURL(new RegExp(`^${apps[0]?.url}/jobs/\\d+$`));
    await otto.locator("#log").getByText("Reconciliation of project `net` is resumed").waitFor({ timeout: 30_000 });
    expect((await pageFetch(otto, "/")).text).not.toContain("paused: db migration");
    const rows = JSON.parse((await pageFetch(otto, "/audit.json")).text) as { action: string; actor: string; detail: string }[];
    expect(rows.filter((r) => r.action.startsWith("drift-")).map((r) => [r.action, r.actor])).toEqual([
      ["drift-resume", "sso:corp:otto"],
      ["drift-pause", "sso:corp:otto"],
    ]);
  });

  it("takes the provider's access tokens on the API: opaque ones through userinfo, JWTs against its key set", async () => {
    const opaque = idp.accessTokens.at(-1) as string;
    const who = await api("/api/v1/whoami", opaque);
    expect(who.status).toBe(200);
    expect(await who.json()).toMatchObject({ actor: "sso:corp:otto", scopes: ["read", "operate"], repos: { "acme/infra": "write" } });
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: idp.issuer, aud: idp.clientId, sub: "ada", preferred_username: "ada", groups: ["platform"], iat: now };
    const at = { typ: "at+jwt" };
    const good = await api("/api/v1/whoami", await idp.sign(base, at));
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ actor: "sso:corp:ada", admin: true });
    for (const [name, token] of [
      ["forged", await idp.forge({ ...base, exp: now + 600 })],
      ["expired", await idp.sign({ ...base, iat: now - 7200, exp: now - 3600 }, at)],
      ["wrong audience", await idp.sign({ ...base, aud: "someone-else" }, at)],
      ["an ID token", idp.idTokens.at(-1) as string],
      ["opaque, made up", "not-a-token-the-provider-issued"],
    ] as const) {
      const r = await api("/api/v1/whoami", token);
      expect([name, r.status]).toEqual([name, 401]);
    }
    const doc = (await (await fetch(`${apps[0]?.url}/api/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.0.3");
    expect(Object.keys(doc.paths)).toContain("/api/v1/locks/unlock");
    // Every field of a resume's body is optional: none need be sent.
    const body = (path: string) => (doc.paths[path] as { post: { requestBody: { required: boolean } } }).post.requestBody.required;
    expect([body("/api/v1/applies/resume"), body("/api/v1/applies/pause")]).toEqual([false, true]);
  });

  it("signs out on every replica: the same cookie is refused by both afterwards (control: it opened both before)", async () => {
    const [a, b] = apps as [AppProcess, AppProcess];
    const vera = await signIn("vera", a.url);
    const cookies = await vera.context().cookies(a.url);
    const copy = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    for (const base of [a.url, b.url])
      expect([base, (await fetch(`${base}/locks`, { headers: { cookie: copy } })).status]).toEqual([base, 200]);
    await vera.goto(`${b.url}/locks`);
    await vera.click("form.signout button[type=submit]");
    await vera.waitForLoadState();
    expect(await vera.textContent("main")).toContain("You are signed out");
    for (const base of [a.url, b.url]) {
      const r = await fetch(`${base}/locks`, { headers: { cookie: copy }, redirect: "manual" });
      expect([base, r.status, r.headers.get("location")]).toEqual([base, 302, "/login?return=%2Flocks"]);
    }
    await vera.goto(`${a.url}/locks`);
    expect(new URL(vera.url()).pathname).toBe("/login");
  });
});

/** The claims of the ID token the provider just issued (to re-sign them changed). */
function claimsOf(body: Record<string, unknown>): Record<string, unknown> {
  const [, payload] = String(body.id_token).split(".");
  return JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulatorAppEnv } from "../simulator/app-env.js";
import { type Simulator, startSimulator } from "../simulator/github-simulator.js";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.js";
import { settledReadyz } from "../support/readyz.js";
import { type AppProcess, freePort, removeDir, startApp } from "../support/start-app.js";

/**
 * Providers set up wrong, against real OpenID providers (oidc-provider) and a port where none
 * listens: each is named at start in the log and on /readyz, its sign-in page says why in one
 * line, never a stack; a provider set up right beside them works (the control). The API is off
 * (the default): every path of it answers 404.
 */
let sim: Simulator;
let app: AppProcess;
let good: TestOidcProvider;
let skewed: TestOidcProvider;
let closedPort: number;

beforeAll(async () => {
  sim = await startSimulator({ webhookSecret: "sso-bad" });
  const port = await freePort();
  const redirectUris = [`http://127.0.0.1:${port}/login/sso/good/callback`];
  good = await startOidcProvider({ port: await freePort(), redirectUris, accounts: {} });
  skewed = await startOidcProvider({ port: await freePort(), redirectUris, accounts: {} });
  skewed.clockOffsetS = -600;
  closedPort = await freePort();
  const entry = (name: string, issuer: string, secretVar: string) =>
    `{name: ${name}, issuer: '${issuer}', client_id: sluice-console, client_secret: 'env:${secretVar}', roles: {viewer: [eng]}}`;
  app = await startApp({
    port,
    env: {
      ...simulatorAppEnv(sim, "sso-bad"),
      SLUICE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      SSO_GOOD_SECRET: good.clientSecret,
      SSO_WRONG_SECRET: "not-the-client-secret",
      SSO_SKEWED_SECRET: skewed.clientSecret,
    },
    serverConfig: `github_sign_in: false
sso:
  - ${entry("good", good.issuer, "SSO_GOOD_SECRET")}
  - ${entry("down", `http://127.0.0.1:${closedPort}`, "SSO_GOOD_SECRET")}
  - ${entry("wrongsecret", good.issuer, "SSO_WRONG_SECRET")}
  - ${entry("skewed", skewed.issuer, "SSO_SKEWED_SECRET")}
  - ${entry("noenv", good.issuer, "SSO_NOT_SET")}
`,
  });
}, 90_000);

afterAll(async () => {
  await app?.kill("SIGTERM");
  if (app) await removeDir(app.dataDir);
  await good?.stop();
  await skewed?.stop();
  await sim?.stop();
});

describe("SSO providers set up wrong", () => {
  it("names each problem on /readyz and in one log line at start; the provider set up right is ready", async () => {
    const ready = await settledReadyz(app.url);
    const check = (name: string) => ready.body.checks.find((c) => c.name === `sso:${name}`);
    expect(ready.status).toBe(503);
    expect(check("good")).toMatchObject({ ok: true, detail: `discovered ${good.issuer}` });
    expect(check("down")?.reason).toMatch(
      new RegExp(
        `^sign-in with down is unavailable: discovery at http://127\\.0\\.0\\.1:${closedPort}/\\.well-known/openid-configuration failed: `,
      ),
    );
    expect(check("wrongsecret")?.reason).toMatch(
      /refused the client's credentials \(client_id sluice-console, client_secret from SSO_WRONG_SECRET\).*invalid_client/,
    );
    expect(check("skewed")?.reason).toMatch(/this server's clock is 60\d s ahead of the provider's \(tolerance 30 s\)/);
    expect(check("noenv")?.reason).toContain("client_secret: the variable SSO_NOT_SET is not set in the server's environment");
    // The secrets themselves are nowhere in the answer.
    expect(JSON.stringify(ready.body)).not.toContain(good.clientSecret);
    // Each provider's line is logged when its own check ends, which may be after /readyz answered.
    const lines = [
      ...["down", "wrongsecret", "skewed", "noenv"].map((name) => `SSO provider ${name}: sign-in unavailable: `),
      "SSO provider good: ready",
    ];
    const deadline = Date.now() + 15_000;
    while (lines.some((l) => !app.output().includes(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const log = app.output();
    for (const line of lines) expect(log).toContain(line);
    expect(log).not.toContain(good.clientSecret);
  });

  it("answers a sign-in with a broken provider with a page that says why, no stack; the good one redirects to its provider", async () => {
    const down = await fetch(`${app.url}/login/sso/down`, { redirect: "manual" });
    const html = await down.text();
    expect(down.status).toBe(503);
    expect(html).toContain("Sign-in with down is unavailable: discovery at");
    expect(html).not.toMatch(/\bat \S+ \(|node:internal|\.ts:\d+/);
    const ok = await fetch(`${app.url}/login/sso/good`, { redirect: "manual" });
    expect(ok.status).toBe(302);
    const to = new URL(ok.headers.get("location") ?? "");
    expect(to.origin).toBe(good.issuer);
    expect(to.searchParams.get("code_challenge_method")).toBe("S256");
    expect(to.searchParams.get("nonce")).toBeTruthy();
    expect(to.searchParams.get("redirect_uri")).toBe(`${app.url}/login/sso/good/callback`);
    // No such provider: a plain 404.
    expect((await fetch(`${app.url}/login/sso/nope`)).status).toBe(404);
  });

  it("with GitHub sign-in off, /login offers the providers and GitHub's routes answer 404", async () => {
    const page = await (await fetch(`${app.url}/login`)).text();
    expect(page).toContain('href="/login/sso/good"');
    expect(page).not.toContain("/login/github");
    expect((await fetch(`${app.url}/login/github`, { redirect: "manual" })).status).toBe(404);
    expect((await fetch(`${app.url}/login/callback?code=x&state=y`, { redirect: "manual" })).status).toBe(404);
  });

  it("keeps the API off by default: every path of it is 404, even the description (control: /healthz answers)", async () => {
    for (const path of ["/api/v1/openapi.json", "/api/v1/locks", "/api/v1/whoami", "/api/v1/tokens", "/api/v1/nope"]) {
      const r = await fetch(`${app.url}${path}`, { headers: { authorization: "Bearer sluice_x" } });
      expect([path, r.status]).toEqual([path, 404]);
    }
    const post = await fetch(`${app.url}/api/v1/applies/pause`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(post.status).toBe(404);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });
});

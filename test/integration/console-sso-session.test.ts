import { sealData } from "iron-session";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseServerConfig } from "../../src/config/server-config.js";
import { tokenCaller } from "../../src/api/api-caller.js";
import { csrfToken, newCsrfSecret, newSessionId, sessionKey } from "../../src/console/console-session.js";
import type { SsoProvider } from "../../src/sso/sso-provider.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { startConsoleServer } from "../support/console-server.js";
import { testDir } from "../support/temp-dir.js";

/**
 * An SSO session keeps the user's groups, and their roles are read from the server config as it is
 * on each request: a group the operator demotes (and restarts with) loses its role at once, not
 * when the 8-hour session ends. Two consoles over one real SQLite store stand for the server
 * before and after the restart; the session cookie is the one the sign-in would have written.
 */
const SECRET = "s".repeat(32);
// Made while the file is collected: removed after its last test (a hook's own would stay behind).
const dataDir = testDir("sluice-sso-session-");
let store: Store;
const consoles: Awaited<ReturnType<typeof startConsoleServer>>[] = [];

async function consoleWith(roles: string, issuer = "https://id.example"): Promise<string> {
  const settings = parseServerConfig(`sso: [{name: corp, issuer: '${issuer}', client_id: c, client_secret: 'env:X', roles: ${roles}}]\n`)
    .sso[0];
  const corp = { name: "corp", settings, client: () => undefined, status: () => ({ ok: true }) } as unknown as SsoProvider;
  const c = await startConsoleServer((url) => ({
    store,
    env: { publicUrl: url, sessionSecret: SECRET },
    sso: new Map([["corp", corp]]),
    auditSinks: [{ name: "siem", label: "SIEM" }],
  }));
  consoles.push(c);
  return c.base;
}

let before: string;
let after: string;
let elsewhere: string;
beforeAll(async () => {
  store = await openStore(undefined, dataDir);
  before = await consoleWith("{admin: [platform]}");
  after = await consoleWith("{viewer: [platform]}");
  // The provider `corp` pointed at another identity provider (a staging one moved to production).
  elsewhere = await consoleWith("{admin: [platform]}", "https://other-id.example");
});

afterAll(async () => {
  for (const c of consoles) await c.stop();
  await store?.close();
});

/**
 * The cookie an SSO sign-in writes, with `extra` in it, and its session open in the store with the
 * user's `groups` (none: a session from before the store kept them, when the cookie held them).
 */
async function ssoCookie(username: string, extra: Record<string, unknown>, groups?: string[]) {
  const sid = newSessionId();
  const actor = `sso:corp:${username}`;
  await store.openConsoleSession({
    key: sessionKey(sid),
    login: actor,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    ...(groups ? { sso: { provider: "corp", subject: username, groups, checkedAt: new Date().toISOString() } } : {}),
  });
  const csrfSecret = newCsrfSecret();
  const from = { ssoFrom: { issuer: "https://id.example", clientId: "c" } };
  const sealed = await sealData(
    { sid, login: actor, sso: "corp", username, csrfSecret, ...from, ...extra },
    { password: SECRET, ttl: 8 * 3600 },
  );
  return { cookie: `sluice_session=${sealed}`, csrf: csrfToken({ csrfSecret }) };
}

describe("an SSO console session", () => {
  it("loses a role its group no longer has in the server config (control: the same cookie before the change)", async () => {
    const { cookie } = await ssoCookie("mallory", {}, ["platform"]);
    expect((await fetch(`${before}/tokens`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${after}/tokens`, { headers: { cookie } })).status).toBe(403);
  });

  it("of a provider since pointed at another issuer is asked to sign in again: its groups were another provider's (control: the same issuer)", async () => {
    const { cookie } = await ssoCookie("mallory", {}, ["platform"]);
    expect((await fetch(`${before}/tokens`, { headers: { cookie } })).status).toBe(200);
    const r = await fetch(`${elsewhere}/tokens`, { headers: { cookie }, redirect: "manual" });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toMatch(/^\/login\?return=/);
  });

  it("from before sessions named their issuer is asked to sign in again", async () => {
    const { cookie } = await ssoCookie("older", { ssoFrom: undefined }, ["platform"]);
    const r = await fetch(`${before}/tokens`, { headers: { cookie }, redirect: "manual" });
    expect(r.status).toBe(302);
  });

  it("from before the store kept its groups (the cookie held them, or roles) is asked to sign in again", async () => {
    const { cookie } = await ssoCookie("old", { groups: ["platform"], grants: [{ role: "admin" }] });
    const r = await fetch(`${before}/tokens`, { headers: { cookie }, redirect: "manual" });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toMatch(/^\/login\?return=/);
  });

  it("audits an admin's redelivery under the SSO actor, which no GitHub login can be", async () => {
    const id = await store.recordAudit({ actor: "sluice", action: "pause", detail: "x" });
    await store.recordAuditAttempt("siem", id, { ok: true, statusCode: 200 } as never, false);
    const { cookie, csrf } = await ssoCookie("octocat", {}, ["platform"]);
    const r = await fetch(`${before}/audit/deliveries/redeliver`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, sink: "siem", event: String(id) }),
    });
    expect(r.status).toBe(303);
    const ev = (await store.auditEvents({ action: "audit-redeliver", limit: 1 }))[0];
    expect(ev?.actor).toBe("sso:corp:octocat");
    expect(ev?.detail).toBe(`event ${id} to SIEM (from the console (SSO corp))`);
  });

  it("issues a token from the form with the exclusions its admin wrote: a glob with braces is one glob (control: the others)", async () => {
    const { cookie, csrf } = await ssoCookie("ada", {}, ["platform"]);
    const r = await fetch(`${before}/tokens`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        _csrf: csrf,
        name: "deployer",
        scopes: "operate",
        repos: "acme/*, !acme/{prod,staging}",
        expires_in_days: "7",
      }),
    });
    expect(r.status).toBe(200);
    const issued = (await store.apiTokens()).find((t) => t.name === "deployer");
    if (!issued) throw new Error("no token issued");
    const reach = tokenCaller(issued, ["acme/prod", "acme/staging", "acme/web", "other/x"]).access;
    // Attack (an admin's own exclusion undone): split at every comma, the exclusion was
    // `!acme/{prod`, which excludes nothing, and the token could unlock acme/prod.
    expect(reach.has("acme/prod")).toBe(false);
    expect(reach.has("acme/staging")).toBe(false);
    expect([...reach.keys()]).toEqual(["acme/web"]);
  });
});

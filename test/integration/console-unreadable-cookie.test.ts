import { sealData } from "iron-session";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseServerConfig } from "../../src/config/server-config.js";
import { newCsrfSecret, newSessionId, sessionKey } from "../../src/console/console-session.js";
import type { SsoProvider } from "../../src/sso/sso-provider.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { createGitHubSignIn } from "../../src/vcs/github/github-sign-in.js";
import { startConsoleServer } from "../support/console-server.js";
import { testDir } from "../support/temp-dir.js";

/**
 * A session cookie that is no seal of the console's at all (a foreign prefix, or an expiry field
 * that is no number) made iron-session throw, where a seal of another key or an expired one reads
 * as no session. Every page answered 500, sign-in and sign-out too, so the user could not get back
 * in without clearing their cookies by hand; over plain HTTP any sibling host (a preview served
 * from a pull request's code) can set such a cookie for the whole domain.
 */
const SECRET = "s".repeat(32);
const dataDir = testDir("sluice-unreadable-cookie-");
let store: Store;
let stop: () => Promise<void>;
let base: string;

beforeAll(async () => {
  store = await openStore(undefined, dataDir);
  const settings = parseServerConfig(
    "sso: [{name: corp, issuer: 'https://id.example', client_id: c, client_secret: 'env:X', roles: {admin: [platform]}}]\n",
  ).sso[0];
  const corp = { name: "corp", settings, client: () => undefined, status: () => ({ ok: true }) } as unknown as SsoProvider;
  const oauth = { clientId: "Iv1.cookie", clientSecret: "not-used" };
  const c = await startConsoleServer((url) => ({
    store,
    env: { publicUrl: url, sessionSecret: SECRET, oauth },
    // Only its first step runs (the redirect to GitHub): nothing is asked of GitHub.
    signIn: createGitHubSignIn({ ...oauth, baseUrl: "https://github.invalid/api/v3" }),
    sso: new Map([["corp", corp]]),
  }));
  ({ base, stop } = c);
});

afterAll(async () => {
  await stop?.();
  await store?.close();
});

/** A sealed admin session open in the store, as a sign-in writes it, under `password`. */
async function sealedSession(password: string): Promise<string> {
  const sid = newSessionId();
  await store.openConsoleSession({
    key: sessionKey(sid),
    login: "sso:corp:ada",
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    sso: { provider: "corp", subject: "ada", groups: ["platform"], checkedAt: new Date().toISOString() },
  });
  const data = {
    sid,
    login: "sso:corp:ada",
    sso: "corp",
    username: "ada",
    csrfSecret: newCsrfSecret(),
    ssoFrom: { issuer: "https://id.example", clientId: "c" },
  };
  return sealData(data, { password, ttl: 8 * 3600 });
}

const get = (path: string, cookie: string) => fetch(`${base}${path}`, { headers: { cookie }, redirect: "manual" });

describe("a session cookie that is no seal of the console's", () => {
  const unreadable = ["x*x*x*x*x*x*x*x", "Fe26.2*1*salt*iv*data*not-a-time*salt*mac"];

  it("attack: is read as no session: pages ask to sign in, and sign-in writes over it", async () => {
    for (const value of unreadable) {
      const page = await get("/tokens", `sluice_session=${value}`);
      expect(page.status).toBe(302);
      expect(page.headers.get("location")).toBe("/login?return=%2Ftokens");
      const login = await get("/login/github", `other=1; sluice_session=${value}`);
      expect(login.status).toBe(302);
      expect(login.headers.get("location")).toMatch(/^https:\/\/github\.invalid\/login\/oauth\/authorize\?/);
      expect(login.headers.get("set-cookie")).toMatch(/^sluice_session=Fe26\.2\*/);
    }
  });

  it("controls: a seal of this console opens pages; one of another key reads as no session, as before", async () => {
    expect((await get("/tokens", `sluice_session=${await sealedSession(SECRET)}`)).status).toBe(200);
    expect((await get("/tokens", `sluice_session=${await sealedSession("k".repeat(32))}`)).status).toBe(302);
  });
});

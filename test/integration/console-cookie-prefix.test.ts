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
 * A console served over TLS names its session cookie `__Host-sluice_session`. A page on a sibling
 * host (a preview at pr-7.apps.example.com beside sluice.example.com, served from a PR's own code)
 * may set a cookie for the whole parent domain: named as the console's, browsers send it to the
 * console too ("cookie tossing"), and the console would take the PR author's own sealed session as
 * the reader's (signed in as someone else, or, with a narrower Path, on some pages only). Browsers
 * refuse a `__Host-` cookie that names a Domain or is not Secure (RFC 6265bis §4.1.3.2), so only
 * the console's own host can set one. Over plain HTTP (a laptop) there is no Secure: the name stays.
 */
const SECRET = "s".repeat(32);
const dataDir = testDir("sluice-cookie-prefix-");
let store: Store;
const consoles: Awaited<ReturnType<typeof startConsoleServer>>[] = [];

async function consoleAt(publicUrl: (base: string) => string): Promise<string> {
  const settings = parseServerConfig(
    "sso: [{name: corp, issuer: 'https://id.example', client_id: c, client_secret: 'env:X', roles: {admin: [platform]}}]\n",
  ).sso[0];
  const corp = { name: "corp", settings, client: () => undefined, status: () => ({ ok: true }) } as unknown as SsoProvider;
  const oauth = { clientId: "Iv1.cookie", clientSecret: "not-used" };
  const c = await startConsoleServer((url) => ({
    store,
    env: { publicUrl: publicUrl(url), sessionSecret: SECRET, oauth },
    // Only its first step runs (the redirect to GitHub): nothing is asked of GitHub.
    signIn: createGitHubSignIn({ ...oauth, baseUrl: "https://github.invalid/api/v3" }),
    sso: new Map([["corp", corp]]),
  }));
  consoles.push(c);
  return c.base;
}

let tls: string;
let plain: string;
beforeAll(async () => {
  store = await openStore(undefined, dataDir);
  // Behind a TLS proxy: the public address is https, the test talks to the console directly.
  tls = await consoleAt(() => "https://sluice.example.test");
  plain = await consoleAt((url) => url);
});

afterAll(async () => {
  for (const c of consoles) await c.stop();
  await store?.close();
});

/** A sealed admin session, open in the store: what a sign-in writes (here the tosser's own). */
async function sealedSession(username: string): Promise<string> {
  const sid = newSessionId();
  const actor = `sso:corp:${username}`;
  await store.openConsoleSession({
    key: sessionKey(sid),
    login: actor,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    sso: { provider: "corp", subject: username, groups: ["platform"], checkedAt: new Date().toISOString() },
  });
  return sealData(
    {
      sid,
      login: actor,
      sso: "corp",
      username,
      csrfSecret: newCsrfSecret(),
      ssoFrom: { issuer: "https://id.example", clientId: "c" },
    },
    { password: SECRET, ttl: 8 * 3600 },
  );
}

const open = async (base: string, cookie: string) => (await fetch(`${base}/tokens`, { headers: { cookie }, redirect: "manual" })).status;

describe("the console's session cookie", () => {
  it("attack: over TLS, a cookie named as the unprefixed one (settable from a sibling host) opens nothing", async () => {
    const sealed = await sealedSession("mallory");
    expect(await open(tls, `sluice_session=${sealed}`)).toBe(302);
    // Control: the same sealed session under the prefixed name, which only the console's host can set.
    expect(await open(tls, `__Host-sluice_session=${sealed}`)).toBe(200);
  });

  it("over TLS is written as __Host-: Secure, Path=/, no Domain", async () => {
    // The GitHub sign-in keeps its state in the session until GitHub sends the user back.
    const r = await fetch(`${tls}/login/github`, { redirect: "manual" });
    const set = r.headers.get("set-cookie") ?? "";
    expect(set).toMatch(/^__Host-sluice_session=/);
    expect(set).toMatch(/;\s*Secure/i);
    expect(set).toMatch(/;\s*Path=\/(;|$)/i);
    expect(set).not.toMatch(/;\s*Domain=/i);
  });

  it("over plain HTTP keeps its name (no Secure, which __Host- needs) and opens pages (control)", async () => {
    const sealed = await sealedSession("alice");
    expect(await open(plain, `sluice_session=${sealed}`)).toBe(200);
  });
});

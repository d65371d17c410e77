import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseServerConfig } from "../../src/config/server-config.js";
import type { SsoProvider } from "../../src/sso/sso-provider.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { startConsoleServer } from "../support/console-server.js";
import { testDir } from "../support/temp-dir.js";

/**
 * A provider that does not sign the user in returns to `/login/sso/<name>/callback?error=CODE`
 * (RFC 6749 §4.1.2.1: a code from a short list). Anyone can send a user that address with any
 * text in `error`: the sign-in page must not say what a stranger wrote, on Sluice's own address.
 */
const dataDir = testDir("sluice-sso-callback-");
let store: Store;
let consoleServer: Awaited<ReturnType<typeof startConsoleServer>>;

beforeAll(async () => {
  store = await openStore(undefined, dataDir);
  const settings = parseServerConfig("sso: [{name: corp, issuer: 'https://id.example', client_id: c, client_secret: 'env:X'}]\n").sso[0];
  // Ready (a client), as a discovered provider is: the callback reads `error` before it talks to it.
  const corp = { name: "corp", settings, client: () => ({}), status: () => ({ ok: true }) } as unknown as SsoProvider;
  consoleServer = await startConsoleServer(() => ({ store, sso: new Map([["corp", corp]]) }));
});

afterAll(async () => {
  await consoleServer?.stop();
  await store?.close();
});

const callback = async (error: string) => {
  const r = await fetch(`${consoleServer.base}/login/sso/corp/callback?error=${encodeURIComponent(error)}`, { redirect: "manual" });
  return { status: r.status, text: (await r.text()).replace(/<[^>]*>/g, " ") };
};

describe("the SSO callback's error", () => {
  it("attack: a stranger's text in ?error= is not shown on Sluice's page", async () => {
    const r = await callback("Your account is locked. Sign in again at https://evil.example/corp");
    expect(r.status).toBe(403);
    expect(r.text).toContain("Sign-in cancelled");
    expect(r.text).not.toContain("evil.example");
    expect(r.text).not.toContain("account is locked");
  });

  it("names the provider's error code (control)", async () => {
    const r = await callback("access_denied");
    expect(r.status).toBe(403);
    expect(r.text).toContain("corp did not sign you in (access_denied)");
  });
});

describe("the SSO callback of a sign-in this browser did not start", () => {
  it("is refused with the same answer as GitHub's sign-in gives (no pending sign-in in the session)", async () => {
    const r = await fetch(`${consoleServer.base}/login/sso/corp/callback?code=c&state=s`, { redirect: "manual" });
    expect(r.status).toBe(400);
    const text = (await r.text()).replace(/<[^>]*>/g, " ");
    expect(text).toContain("Sign-in failed");
    expect(text).toContain("This sign-in link is not the one this browser started (or it was used already).");
  });
});

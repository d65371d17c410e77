import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssoProviderSchema } from "../../src/config/sso-config-schema.js";
import { createSsoProvider, type SsoProvider } from "../../src/sso/sso-provider.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { startConsoleServer } from "../support/console-server.js";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.js";
import { signInThroughProvider } from "../support/oidc-sign-in.js";
import { freePort } from "../support/start-app.js";
import { testDir } from "../support/temp-dir.js";

/**
 * A provider that gives no refresh token (oidc-provider without `offline_access`): a console
 * session is asked of it again with userinfo and the access token, and lasts at most
 * `reauthenticate_after`, on the console's clock, which the test moves. platform → admin.
 */
const dataDir = testDir("sluice-sso-userinfo-");
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const clock = { offsetMs: 0 };
let store: Store;
let idp: TestOidcProvider;
let provider: SsoProvider;
let consoleServer: Awaited<ReturnType<typeof startConsoleServer>>;
let base = "";
const accounts: Record<string, { groups: string[]; disabled?: boolean }> = {
  ada: { groups: ["platform"] },
  otto: { groups: ["platform"] },
  vera: { groups: ["platform"] },
  bob: { groups: ["platform"] },
  carol: { groups: ["platform"] },
};

beforeAll(async () => {
  store = await openStore(undefined, dataDir);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  idp = await startOidcProvider({ port: await freePort(), redirectUris: [`${base}/login/sso/corp/callback`], accounts });
  const settings = ssoProviderSchema.parse({
    name: "corp",
    issuer: idp.issuer,
    client_id: idp.clientId,
    client_secret: "env:SSO_SECRET",
    recheck_every: "2m",
    reauthenticate_after: "30m",
    roles: { admin: ["platform"] },
  });
  provider = createSsoProvider(settings, {
    redirectUri: `${base}/login/sso/corp/callback`,
    env: { SSO_SECRET: idp.clientSecret },
    log: quiet,
  });
  await provider.start();
  consoleServer = await startConsoleServer(
    (url) => ({
      store,
      env: { publicUrl: url, sessionSecret: "s".repeat(32) },
      sso: new Map([["corp", provider]]),
      now: () => Date.now() + clock.offsetMs,
    }),
    port,
  );
}, 30_000);

afterAll(async () => {
  await consoleServer?.stop();
  provider?.stop();
  await idp?.stop();
  await store?.close();
});

const get = (path: string, cookie: string) => fetch(`${base}${path}`, { headers: { cookie }, redirect: "manual" });

describe("an SSO session without a refresh token", () => {
  it("loses admin taken away at the provider, asked with userinfo (control: an unchanged user keeps it)", async () => {
    const ada = (await signInThroughProvider(base, "corp", "ada")).cookie;
    const otto = (await signInThroughProvider(base, "corp", "otto")).cookie;
    expect((await get("/tokens", ada)).status).toBe(200);
    accounts.ada = { groups: [] };
    const asked = idp.counts.userinfo;
    clock.offsetMs += 2 * 60e3 + 1e3;
    expect((await get("/tokens", ada)).status).toBe(403);
    expect((await get("/tokens", otto)).status).toBe(200);
    expect(idp.counts.userinfo).toBe(asked + 2);
  });

  it("ends when userinfo refuses a disabled user's unexpired access token", async () => {
    const vera = (await signInThroughProvider(base, "corp", "vera")).cookie;
    accounts.vera = { groups: ["platform"], disabled: true };
    clock.offsetMs += 2 * 60e3 + 1e3;
    const r = await get("/tokens", vera);
    expect(r.headers.get("location")).toBe("/login?return=%2Ftokens&ended=refused");
  });

  it("lasts reauthenticate_after, then asks for a new sign-in (control: until then it stands)", async () => {
    const otto = (await signInThroughProvider(base, "corp", "otto")).cookie;
    clock.offsetMs += 29 * 60e3;
    expect((await get("/tokens", otto)).status).toBe(200);
    clock.offsetMs += 61e3;
    const r = await get("/tokens", otto);
    expect(r.headers.get("location")).toBe("/login?return=%2Ftokens&ended=expired");
    expect(await (await fetch(`${base}/login?ended=expired`)).text()).toContain("Your sign-in ran out");
    // The parameter is anyone's to write into a link: only the console's own keys say anything.
    for (const made of ["constructor", "Your account is locked, call +1 555"])
      expect(await (await fetch(`${base}/login?ended=${encodeURIComponent(made)}`)).text()).not.toMatch(/banner flash|account is locked/);
  });
});

describe("back-channel logout of a provider whose ID tokens name no provider session (sid)", () => {
  it("attack: a logout token naming the user and a sid ends their session (control: another user's stays)", async () => {
    const bob = (await signInThroughProvider(base, "corp", "bob")).cookie;
    const carol = (await signInThroughProvider(base, "corp", "carol")).cookie;
    const idToken = JSON.parse(Buffer.from((idp.idTokens.at(-1) ?? "").split(".")[1] ?? "", "base64url").toString());
    expect(idToken.sid).toBeUndefined();
    const logout = await idp.sign({
      iss: idp.issuer,
      aud: idp.clientId,
      sub: "bob",
      sid: "a-session-the-console-never-heard-of",
      jti: `j-${Date.now()}`,
      events: { "http://schemas.openid.net/event/backchannel-logout": {} },
    });
    const r = await fetch(`${base}/login/sso/corp/backchannel-logout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ logout_token: logout }),
    });
    expect(r.status).toBe(200);
    expect((await get("/", bob)).status).toBe(302);
    expect((await get("/", carol)).status).toBe(200);
  });
});

import { SignJWT } from "jose";
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
 * A console session stands on what the provider says of its user now, not at sign-in: against a
 * real OpenID provider (oidc-provider, rotating refresh tokens), a user taken out of the admin
 * group loses admin, and a disabled one loses the session (and the API tokens they issued), once
 * `recheck_every` has passed on the console's clock, which the test moves (no waiting). Groups:
 * platform → admin, eng → viewer.
 */
const dataDir = testDir("sluice-sso-recheck-");
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const clock = { offsetMs: 0 };
const RECHECK_MS = 5 * 60e3;
let store: Store;
let idp: TestOidcProvider;
let provider: SsoProvider;
let consoleServer: Awaited<ReturnType<typeof startConsoleServer>>;
let base = "";
const accounts: Record<string, { groups: string[]; disabled?: boolean }> = {
  ada: { groups: ["platform", "eng"] },
  otto: { groups: ["platform"] },
  vera: { groups: ["platform"] },
  bob: { groups: ["eng"] },
  carol: { groups: ["eng"] },
  nina: { groups: ["platform"] },
  ida: { groups: ["platform"] },
};

beforeAll(async () => {
  store = await openStore(undefined, dataDir);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  idp = await startOidcProvider({
    port: await freePort(),
    redirectUris: [`${base}/login/sso/corp/callback`],
    accounts,
    refreshTokens: { rotate: true },
    backchannelLogoutUri: `${base}/login/sso/corp/backchannel-logout`,
  });
  const settings = ssoProviderSchema.parse({
    name: "corp",
    issuer: idp.issuer,
    client_id: idp.clientId,
    client_secret: "env:SSO_SECRET",
    roles: { admin: ["platform"], viewer: ["eng"] },
  });
  provider = createSsoProvider(settings, {
    redirectUri: `${base}/login/sso/corp/callback`,
    env: { SSO_SECRET: idp.clientSecret },
    log: quiet,
  });
  await provider.start();
  expect(provider.status()).toMatchObject({ ok: true });
  consoleServer = await startConsoleServer(
    (url) => ({
      store,
      env: { publicUrl: url, sessionSecret: "s".repeat(32) },
      sso: new Map([["corp", provider]]),
      now: () => Date.now() + clock.offsetMs,
    }),
    port,
  );
  await store.recordAudit({ actor: "sluice", action: "pause", detail: "so that the audit trail is not empty" });
}, 30_000);

afterAll(async () => {
  await consoleServer?.stop();
  provider?.stop();
  await idp?.stop();
  await store?.close();
});

const get = (path: string, cookie: string) => fetch(`${base}${path}`, { headers: { cookie }, redirect: "manual" });

async function signIn(login: string): Promise<string> {
  const { cookie, location } = await signInThroughProvider(base, "corp", login);
  expect(location).toBe("/");
  return cookie;
}

describe("an SSO session asks its provider again", () => {
  it("attack: a user taken out of the admin group at the provider loses admin once recheck_every has passed", async () => {
    const cookie = await signIn("ada");
    expect((await get("/tokens", cookie)).status).toBe(200);
    accounts.ada = { groups: ["eng"] };
    const refreshes = idp.counts.refresh;
    // Within the interval the groups the provider last named stand (one check per interval).
    clock.offsetMs += RECHECK_MS - 60e3;
    expect((await get("/tokens", cookie)).status).toBe(200);
    expect(idp.counts.refresh).toBe(refreshes);
    clock.offsetMs += 61e3;
    expect((await get("/tokens", cookie)).status).toBe(403);
    expect(idp.counts.refresh).toBe(refreshes + 1);
    // Still a viewer (eng): the session goes on with the groups the provider names now.
    expect((await get("/", cookie)).status).toBe(200);
  });

  it("control: an unchanged user keeps admin across two checks (the rotated refresh token is the one kept)", async () => {
    const cookie = await signIn("otto");
    const refreshes = idp.counts.refresh;
    for (const n of [1, 2]) {
      clock.offsetMs += RECHECK_MS + 1e3;
      expect([n, (await get("/tokens", cookie)).status]).toEqual([n, 200]);
      expect(idp.counts.refresh).toBe(refreshes + n);
    }
  });

  it("refuses a request while the provider cannot be asked, keeping the session; the next request after it is back asks again (control)", async () => {
    const cookie = await signIn("ada");
    clock.offsetMs += RECHECK_MS + 1e3;
    idp.outage = true;
    try {
      const r = await get("/", cookie);
      expect(r.status).toBe(503);
      expect(await r.text()).toContain("Sluice could not check your sign-in with corp");
    } finally {
      idp.outage = false;
    }
    const refreshes = idp.counts.refresh;
    expect((await get("/", cookie)).status).toBe(200);
    expect(idp.counts.refresh).toBe(refreshes + 1);
  });

  it("attack: a user disabled at the provider loses the session and the API tokens they issued, audited; the sign-in page says why", async () => {
    const cookie = await signIn("vera");
    const later = new Date(Date.now() + 30 * 86400e3).toISOString();
    const own = await store.addApiToken({
      name: "vera-ci",
      digest: "vera-1",
      scopes: ["admin"],
      repos: [],
      createdBy: "sso:corp:vera",
      expiresAt: later,
    });
    const chained = await store.addApiToken({
      name: "chained",
      digest: "vera-2",
      scopes: ["read"],
      repos: [],
      createdBy: `token:${own.id}:vera-ci`,
      expiresAt: later,
    });
    const others = await store.addApiToken({
      name: "otto-ci",
      digest: "otto-1",
      scopes: ["read"],
      repos: [],
      createdBy: "sso:corp:otto",
      expiresAt: later,
    });
    accounts.vera = { groups: ["platform"], disabled: true };
    clock.offsetMs += RECHECK_MS + 1e3;
    const r = await get("/tokens", cookie);
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/login?return=%2Ftokens&ended=refused");
    const page = await (await fetch(`${base}${r.headers.get("location")}`)).text();
    expect(page).toContain("your identity provider no longer accepts your sign-in");
    // The same cookie (a copy of it) opens nothing any more.
    expect((await get("/", cookie)).status).toBe(302);
    const tokens = await store.apiTokens();
    const state = (id: number) => tokens.find((t) => t.id === id)?.revokedBy;
    expect([state(own.id), state(chained.id), state(others.id)]).toEqual(["sluice", "sluice", undefined]);
    const audit = await store.auditEvents({ action: "api-token-revoke", limit: 10 });
    expect(audit.map((e) => e.detail).sort()).toEqual(
      [own.id, chained.id]
        .map(
          (id) => `token ${id}: corp refused sso:corp:vera's sign-in (the provider answered 400 invalid_grant: grant request is invalid)`,
        )
        .sort(),
    );
  });
});

describe("a session left unused", () => {
  it("whose refresh token the provider refuses ends, and keeps the API tokens its user issued (an idle expiry answers as a disabled user does; control: the disabled user above, asked within the window, loses them)", async () => {
    const cookie = await signIn("ida");
    const token = await store.addApiToken({
      name: "ida-ci",
      digest: "ida-1",
      scopes: ["read"],
      repos: [],
      createdBy: "sso:corp:ida",
      expiresAt: new Date(Date.now() + 30 * 86400e3).toISOString(),
    });
    // The provider answers invalid_grant, as Keycloak does for a refresh token idle past its SSO
    // Session Idle; the console was not used for three rechecks' time.
    accounts.ida = { groups: ["platform"], disabled: true };
    clock.offsetMs += 3 * RECHECK_MS;
    const r = await get("/tokens", cookie);
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/login?return=%2Ftokens&ended=expired");
    expect((await get("/", cookie)).status).toBe(302);
    expect((await store.apiTokens()).find((t) => t.id === token.id)?.revokedBy).toBeUndefined();
  });
});

describe("a user their provider refused, signed in twice", () => {
  it("attack: the other session, checked more recently, ends too (it could issue a token after the revocation; control: another user's stays)", async () => {
    const first = await signIn("nina");
    clock.offsetMs += RECHECK_MS - 60e3;
    const second = await signIn("nina");
    const otto = await signIn("otto");
    accounts.nina = { groups: ["platform"], disabled: true };
    clock.offsetMs += 61e3;
    // The first session's check is due: refused, its tokens revoked. The second's is not due yet.
    expect((await get("/", first)).headers.get("location")).toBe("/login?return=%2F&ended=refused");
    const r = await get("/tokens", second);
    expect(r.status).toBe(302);
    expect((await get("/tokens", otto)).status).toBe(200);
  });
});

describe("back-channel logout", () => {
  const sidOf = (idToken: string) => JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString()).sid as string;

  it("ends the session the provider's logout token names, on the provider's own post (control: another user's stays open)", async () => {
    const bob = await signIn("bob");
    const bobSid = sidOf(idp.idTokens.at(-1) as string);
    const carol = await signIn("carol");
    expect(bobSid).toBeTruthy();
    expect((await get("/", bob)).status).toBe(200);
    await idp.backchannelLogout("bob", bobSid);
    expect((await get("/", bob)).status).toBe(302);
    expect((await get("/", carol)).status).toBe(200);
  });

  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

  it("refuses a forged logout token, an ID token and one with a nonce, ending nothing (control: the provider's own ends it)", async () => {
    const carol = await signIn("carol");
    const sid = sidOf(idp.idTokens.at(-1) as string);
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: idp.issuer,
      aud: idp.clientId,
      sub: "carol",
      sid,
      jti: `j-${now}`,
      events: { "http://schemas.openid.net/event/backchannel-logout": {} },
    };
    const post = (token: string) =>
      fetch(`${base}/login/sso/corp/backchannel-logout`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ logout_token: token }),
      });
    for (const [name, token] of [
      ["forged", await idp.forge({ ...claims, iat: now })],
      ["an ID token", idp.idTokens.at(-1) as string],
      ["with a nonce", await idp.sign({ ...claims, nonce: "n" })],
      ["another audience", await idp.sign({ ...claims, aud: "another-app" })],
      ["no logout event", await idp.sign({ ...claims, events: {} })],
      ["another issuer", await idp.sign({ ...claims, iss: "https://another-provider.example" })],
      ["unsigned (alg none)", `${b64({ alg: "none", typ: "JWT" })}.${b64({ ...claims, iat: now })}.`],
      // The classic confusion: HMAC keyed with what the client knows (its secret), not the provider's key.
      [
        "HS256 with the client secret",
        await new SignJWT({ ...claims })
          .setProtectedHeader({ alg: "HS256" })
          .setIssuedAt()
          .sign(new TextEncoder().encode(idp.clientSecret)),
      ],
    ] as const) {
      const r = await post(token);
      expect([name, r.status]).toEqual([name, 400]);
      expect((await get("/", carol)).status).toBe(200);
    }
    expect((await post(await idp.sign(claims))).status).toBe(200);
    expect((await get("/", carol)).status).toBe(302);
  });
});

import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { ssoConsole } from "../support/sso-console.js";

/**
 * A console session stands on what the provider says of its user now, not at sign-in: against a
 * real OpenID provider (oidc-provider, rotating refresh tokens), a user taken out of the admin
 * group loses admin, and a disabled one loses the session (and the API tokens they issued), once
 * `recheck_every` has passed on the console's clock, which the test moves (no waiting). Groups:
 * platform → admin, eng → viewer.
 */
const RECHECK_MS = 5 * 60e3;
const accounts: Record<string, { groups: string[]; disabled?: boolean }> = {
  ada: { groups: ["platform", "eng"] },
  otto: { groups: ["platform"] },
  vera: { groups: ["platform"] },
  bob: { groups: ["eng"] },
  carol: { groups: ["eng"] },
  nina: { groups: ["platform"] },
  ida: { groups: ["platform"] },
};
const sso = ssoConsole({
  prefix: "sluice-sso-recheck-",
  accounts,
  idp: { refreshTokens: { rotate: true }, backchannelLogout: true },
  settings: { roles: { admin: ["platform"], viewer: ["eng"] } },
});
const { clock, get, signIn } = sso;

beforeAll(async () => {
  await sso.store.recordAudit({ actor: "sluice", action: "pause", detail: "so that the audit trail is not empty" });
});

describe("an SSO session asks its provider again", () => {
  it("attack: a user taken out of the admin group at the provider loses admin once recheck_every has passed", async () => {
    const cookie = await signIn("ada");
    expect((await get("/tokens", cookie)).status).toBe(200);
    accounts.ada = { groups: ["eng"] };
    const refreshes = sso.idp.counts.refresh;
    // Within the interval the groups the provider last named stand (one check per interval).
    clock.offsetMs += RECHECK_MS - 60e3;
    expect((await get("/tokens", cookie)).status).toBe(200);
    expect(sso.idp.counts.refresh).toBe(refreshes);
    clock.offsetMs += 61e3;
    expect((await get("/tokens", cookie)).status).toBe(403);
    expect(sso.idp.counts.refresh).toBe(refreshes + 1);
    // Still a viewer (eng): the session goes on with the groups the provider names now.
    expect((await get("/", cookie)).status).toBe(200);
  });

  it("control: an unchanged user keeps admin across two checks (the rotated refresh token is the one kept)", async () => {
    const cookie = await signIn("otto");
    const refreshes = sso.idp.counts.refresh;
    for (const n of [1, 2]) {
      clock.offsetMs += RECHECK_MS + 1e3;
      expect([n, (await get("/tokens", cookie)).status]).toEqual([n, 200]);
      expect(sso.idp.counts.refresh).toBe(refreshes + n);
    }
  });

  it("refuses a request while the provider cannot be asked, keeping the session; the next request after it is back asks again (control)", async () => {
    const cookie = await signIn("ada");
    clock.offsetMs += RECHECK_MS + 1e3;
    sso.idp.outage = true;
    try {
      const r = await get("/", cookie);
      expect(r.status).toBe(503);
      expect(await r.text()).toContain("Sluice could not check your sign-in with corp");
    } finally {
      sso.idp.outage = false;
    }
    const refreshes = sso.idp.counts.refresh;
    expect((await get("/", cookie)).status).toBe(200);
    expect(sso.idp.counts.refresh).toBe(refreshes + 1);
  });

  it("attack: a user disabled at the provider loses the session and the API tokens they issued, audited; the sign-in page says why", async () => {
    const cookie = await signIn("vera");
    const later = new Date(Date.now() + 30 * 86400e3).toISOString();
    const own = await sso.store.addApiToken({
      name: "vera-ci",
      digest: "vera-1",
      scopes: ["admin"],
      repos: [],
      createdBy: "sso:corp:vera",
      expiresAt: later,
    });
    const chained = await sso.store.addApiToken({
      name: "chained",
      digest: "vera-2",
      scopes: ["read"],
      repos: [],
      createdBy: `token:${own.id}:vera-ci`,
      expiresAt: later,
    });
    const others = await sso.store.addApiToken({
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
    const page = await (await fetch(`${sso.base}${r.headers.get("location")}`)).text();
    expect(page).toContain("your identity provider no longer accepts your sign-in");
    // The same cookie (a copy of it) opens nothing any more.
    expect((await get("/", cookie)).status).toBe(302);
    const tokens = await sso.store.apiTokens();
    const state = (id: number) => tokens.find((t) => t.id === id)?.revokedBy;
    expect([state(own.id), state(chained.id), state(others.id)]).toEqual(["sluice", "sluice", undefined]);
    const audit = await sso.store.auditEvents({ action: "api-token-revoke", limit: 10 });
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
    const token = await sso.store.addApiToken({
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
    expect((await sso.store.apiTokens()).find((t) => t.id === token.id)?.revokedBy).toBeUndefined();
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
    const bobSid = sidOf(sso.idp.idTokens.at(-1) as string);
    const carol = await signIn("carol");
    expect(bobSid).toBeTruthy();
    expect((await get("/", bob)).status).toBe(200);
    await sso.idp.backchannelLogout("bob", bobSid);
    expect((await get("/", bob)).status).toBe(302);
    expect((await get("/", carol)).status).toBe(200);
  });

  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

  it("refuses a forged logout token, an ID token and one with a nonce, ending nothing (control: the provider's own ends it)", async () => {
    const carol = await signIn("carol");
    const sid = sidOf(sso.idp.idTokens.at(-1) as string);
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: sso.idp.issuer,
      aud: sso.idp.clientId,
      sub: "carol",
      sid,
      jti: `j-${now}`,
      events: { "http://schemas.openid.net/event/backchannel-logout": {} },
    };
    const post = (token: string) =>
      fetch(`${sso.base}/login/sso/corp/backchannel-logout`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ logout_token: token }),
      });
    for (const [name, token] of [
      ["forged", await sso.idp.forge({ ...claims, iat: now })],
      ["an ID token", sso.idp.idTokens.at(-1) as string],
      ["with a nonce", await sso.idp.sign({ ...claims, nonce: "n" })],
      ["another audience", await sso.idp.sign({ ...claims, aud: "another-app" })],
      ["no logout event", await sso.idp.sign({ ...claims, events: {} })],
      ["another issuer", await sso.idp.sign({ ...claims, iss: "https://another-provider.example" })],
      ["unsigned (alg none)", `${b64({ alg: "none", typ: "JWT" })}.${b64({ ...claims, iat: now })}.`],
      // The classic confusion: HMAC keyed with what the client knows (its secret), not the provider's key.
      [
        "HS256 with the client secret",
        await new SignJWT({ ...claims })
          .setProtectedHeader({ alg: "HS256" })
          .setIssuedAt()
          .sign(new TextEncoder().encode(sso.idp.clientSecret)),
      ],
    ] as const) {
      const r = await post(token);
      expect([name, r.status]).toEqual([name, 400]);
      expect((await get("/", carol)).status).toBe(200);
    }
    expect((await post(await sso.idp.sign(claims))).status).toBe(200);
    expect((await get("/", carol)).status).toBe(302);
  });
});

import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { CookieJar } from "../support/oidc-sign-in.js";
import { ssoConsole } from "../support/sso-console.js";

/**
 * What an SSO session leaves behind when it ends, against a real OpenID provider (oidc-provider,
 * refresh tokens not rotated, token revocation and back-channel logout on) and two console
 * replicas over one store: the refresh token Sluice held is revoked at the provider (RFC 7009),
 * and a back-channel logout token is taken once, on any replica. platform → admin.
 */
const accounts: Record<string, { groups: string[]; disabled?: boolean }> = {
  ada: { groups: ["platform"] },
  bob: { groups: ["platform"] },
  carol: { groups: ["platform"] },
  dave: { groups: ["platform"] },
  erin: { groups: ["platform"] },
  fay: { groups: ["platform"] },
  gus: { groups: ["platform"] },
  hal: { groups: ["platform"] },
  ivy: { groups: ["platform"] },
  jay: { groups: ["platform"] },
  kay: { groups: ["platform"] },
  lee: { groups: ["platform"] },
};
const sso = ssoConsole({
  prefix: "sluice-sso-session-end-",
  accounts,
  idp: { refreshTokens: {}, backchannelLogout: true },
  settings: { roles: { admin: ["platform"] } },
  replicas: [(s) => s, (s) => s],
});
const { clock, get } = sso;

/** Signs `login` in: the console's cookie, the CSRF token of its forms, and the refresh token the provider gave Sluice. */
async function signIn(login: string) {
  const cookie = await sso.signIn(login);
  const refreshToken = sso.idp.refreshTokens.at(-1) as string;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await get("/", cookie)).text())?.[1];
  if (!csrf) throw new Error("no CSRF token on the overview");
  return { cookie, csrf, refreshToken };
}

const signOut = (cookie: string, csrf: string) =>
  fetch(`${sso.base}/logout`, {
    method: "POST",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: csrf }),
    redirect: "manual",
  });

/** Waits until the provider has answered `n` more revocation requests than `from` (Sluice revokes after the session ended). */
async function revocations(from: number, n = 1): Promise<void> {
  for (let i = 0; i < 500 && sso.idp.counts.revocation < from + n; i++) await sleep(20);
  expect(sso.idp.counts.revocation).toBe(from + n);
}

describe("a console session's refresh token", () => {
  it("attack: is revoked at the provider when its user signs out (control: another user's still refreshes)", async () => {
    const ada = await signIn("ada");
    const bob = await signIn("bob");
    const asked = sso.idp.counts.revocation;
    const r = await signOut(ada.cookie, ada.csrf);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain("You are signed out");
    await revocations(asked);
    expect(await sso.idp.refresh(ada.refreshToken)).toEqual({ status: 400, error: "invalid_grant" });
    expect((await sso.idp.refresh(bob.refreshToken)).status).toBe(200);
  });

  it("attack: is revoked when the session ran out and its cookie comes back", async () => {
    const carol = await signIn("carol");
    const asked = sso.idp.counts.revocation;
    clock.offsetMs += 8 * 3600e3 + 60e3;
    try {
      expect((await get("/", carol.cookie)).headers.get("location")).toBe("/login?return=%2F&ended=expired");
    } finally {
      clock.offsetMs = 0;
    }
    await revocations(asked);
    expect(await sso.idp.refresh(carol.refreshToken)).toEqual({ status: 400, error: "invalid_grant" });
  });

  it("attack: is revoked when its user signs out while signed in in another browser (control: the other session's check finds her, her API tokens stay)", async () => {
    // Two browsers, two sessions at the provider (each its own sid and grant).
    const first = await signIn("jay");
    const second = await signIn("jay");
    const token = await sso.store.addApiToken({
      name: "jay-ci",
      digest: "digest-of-jay-ci",
      scopes: ["admin"],
      repos: [],
      createdBy: "sso:corp:jay",
      createdBySso: { provider: "corp", issuer: sso.provider.settings.issuer, subject: "jay" },
      expiresAt: new Date(Date.now() + 86400e3).toISOString(),
    });
    const asked = sso.idp.counts.revocation;
    expect((await signOut(first.cookie, first.csrf)).status).toBe(200);
    await revocations(asked);
    expect(await sso.idp.refresh(first.refreshToken)).toEqual({ status: 400, error: "invalid_grant" });
    clock.offsetMs += 5 * 60e3 + 1e3;
    try {
      expect((await get("/", second.cookie)).status).toBe(200);
    } finally {
      clock.offsetMs = 0;
    }
    expect((await sso.store.apiTokens()).find((t) => t.id === token.id)?.revokedAt).toBeUndefined();
  });

  it("control: signing out while the provider is down still signs out (the failure is logged)", async () => {
    const dave = await signIn("dave");
    const asked = sso.idp.counts.revocation;
    sso.idp.outage = true;
    try {
      const r = await signOut(dave.cookie, dave.csrf);
      expect(r.status).toBe(200);
      await revocations(asked);
    } finally {
      sso.idp.outage = false;
    }
    expect((await get("/", dave.cookie)).status).toBe(302);
  });
});

describe("a provider that revokes the user's other grants with one token (Keycloak before 26.1, keycloak/keycloak#35486)", () => {
  /** Signs `login` in twice (two browsers), with an admin token they issued; the sessions and the token. */
  async function twoSessions(login: string) {
    const first = await signIn(login);
    const second = await signIn(login);
    const token = await sso.store.addApiToken({
      name: `${login}-ci`,
      digest: `digest-of-${login}-ci`,
      scopes: ["admin"],
      repos: [],
      createdBy: `sso:corp:${login}`,
      createdBySso: { provider: "corp", issuer: sso.provider.settings.issuer, subject: login },
      expiresAt: new Date(Date.now() + 86400e3).toISOString(),
    });
    return { first, second, token };
  }
  const liveToken = async (id: number) => (await sso.store.apiTokens()).find((t) => t.id === id)?.revokedBy ?? "live";

  it("attack: refuses her other session after she signs out of one: it ends, read as Sluice's doing, and her API tokens stay", async () => {
    const { first, second, token } = await twoSessions("kay");
    const asked = sso.idp.counts.revocation;
    expect((await signOut(first.cookie, first.csrf)).status).toBe(200);
    await revocations(asked);
    // The provider ends her other grant with it, as such a provider does.
    expect(await sso.idp.revoke(second.refreshToken)).toBe(200);
    clock.offsetMs += 5 * 60e3 + 1e3;
    try {
      expect((await get("/", second.cookie)).headers.get("location")).toBe("/login?return=%2F&ended=expired");
    } finally {
      clock.offsetMs = 0;
    }
    expect(await liveToken(token.id)).toBe("live");
  });

  it("control: a refusal after her other session was answered since that revocation is the provider's word: her API tokens are revoked", async () => {
    const { first, second, token } = await twoSessions("lee");
    const asked = sso.idp.counts.revocation;
    expect((await signOut(first.cookie, first.csrf)).status).toBe(200);
    await revocations(asked);
    clock.offsetMs += 5 * 60e3 + 1e3;
    try {
      expect((await get("/", second.cookie)).status).toBe(200);
      accounts.lee = { groups: ["platform"], disabled: true };
      clock.offsetMs += 5 * 60e3 + 1e3;
      expect((await get("/", second.cookie)).headers.get("location")).toBe("/login?return=%2F&ended=refused");
    } finally {
      clock.offsetMs = 0;
    }
    expect(await liveToken(token.id)).toBe("sluice");
  });
});

describe("a sign-in again over a session of the same user", () => {
  it("attack: leaves the provider's grant the new session shares: its next check finds the user, whose API tokens stay (control: another user's sign-out revokes theirs)", async () => {
    const browser = { console: new CookieJar(), idp: new CookieJar() };
    await sso.signIn("gus", browser);
    const token = await sso.store.addApiToken({
      name: "gus-ci",
      digest: "digest-of-gus-ci",
      scopes: ["admin"],
      repos: [],
      createdBy: "sso:corp:gus",
      createdBySso: { provider: "corp", issuer: sso.provider.settings.issuer, subject: "gus" },
      expiresAt: new Date(Date.now() + 86400e3).toISOString(),
    });
    const asked = sso.idp.counts.revocation;
    // Gus signs in again in the same browser: the provider gives the new session its grant again.
    const again = await sso.signIn("gus", browser);
    const hal = await signIn("hal");
    expect((await signOut(hal.cookie, hal.csrf)).status).toBe(200);
    await revocations(asked);
    expect(await sso.idp.refresh(hal.refreshToken)).toEqual({ status: 400, error: "invalid_grant" });
    clock.offsetMs += 5 * 60e3 + 1e3;
    try {
      expect((await get("/", again)).status).toBe(200);
    } finally {
      clock.offsetMs = 0;
    }
    expect((await sso.store.apiTokens()).find((t) => t.id === token.id)?.revokedAt).toBeUndefined();
    expect(sso.idp.counts.revocation).toBe(asked + 1);
  });
});

describe("a back-channel logout token", () => {
  const logoutToken = (sub: string, jti: string) =>
    sso.idp.sign({
      iss: sso.idp.issuer,
      aud: sso.idp.clientId,
      sub,
      jti,
      events: { "http://schemas.openid.net/event/backchannel-logout": {} },
    });
  const post = (base: string, token: string) =>
    fetch(`${base}/login/sso/corp/backchannel-logout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ logout_token: token }),
    });

  it("attack: replayed, on the same replica or another, is refused with 400 and ends nothing (control: a fresh one is taken)", async () => {
    const erin = await signIn("erin");
    const token = await logoutToken("erin", "jti-erin-1");
    expect((await post(sso.base, token)).status).toBe(200);
    expect((await get("/", erin.cookie)).status).toBe(302);
    // Erin signs in again; a copy of the token she was signed out with is posted again.
    const again = await signIn("erin");
    for (const base of sso.bases) {
      const r = await post(base, token);
      expect([base, r.status]).toEqual([base, 400]);
      expect(await r.json()).toMatchObject({ error: "invalid_request", error_description: expect.stringContaining("taken before") });
    }
    expect((await get("/", again.cookie)).status).toBe(200);
    // Control: a fresh token (its own jti) ends her session, on the other replica.
    const fay = await signIn("fay");
    expect((await post(sso.bases[1] as string, await logoutToken("erin", "jti-erin-2"))).status).toBe(200);
    expect((await get("/", again.cookie)).status).toBe(302);
    expect((await get("/", fay.cookie)).status).toBe(200);
  });

  it("attack: whose sessions the store failed to end is taken when the provider retries it (control: a replay after that is refused)", async () => {
    const ivy = await signIn("ivy");
    const token = await logoutToken("ivy", "jti-ivy-1");
    // The store fails to end Ivy's session (a full disk, a lost connection: here a trigger).
    const db = new Database(sso.storeFile);
    try {
      db.exec(
        "CREATE TRIGGER refuse_end BEFORE DELETE ON console_sessions WHEN OLD.login = 'sso:corp:ivy' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;",
      );
      expect((await post(sso.base, token)).status).toBe(500);
      expect((await get("/", ivy.cookie)).status).toBe(200);
      db.exec("DROP TRIGGER refuse_end");
    } finally {
      db.close();
    }
    // The provider retries the same token (on the other replica): it is no replay, and she is signed out.
    const retry = await post(sso.bases[1] as string, token);
    expect([retry.status, await retry.text()]).toEqual([200, ""]);
    expect((await get("/", ivy.cookie)).status).toBe(302);
    expect((await post(sso.base, token)).status).toBe(400);
  });

  it("attack: a copy posted in the last second its token is still taken is refused (control: a fresh one then is taken)", async () => {
    // Only Date is faked (the store's clock and jose's): the servers' timers run as ever.
    const t0 = Math.floor(Date.now() / 1000);
    const token = await sso.idp.sign({
      iss: sso.idp.issuer,
      aud: sso.idp.clientId,
      sub: "nobody",
      jti: "jti-edge",
      iat: t0,
      exp: t0 + 600,
      events: { "http://schemas.openid.net/event/backchannel-logout": {} },
    });
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime((t0 + 10) * 1000);
      expect((await post(sso.base, token)).status).toBe(200);
      // 330.5 s after its iat: jose takes it still (whole seconds, 5 minutes and the 30 s of skew).
      vi.setSystemTime((t0 + 330) * 1000 + 500);
      const replay = await post(sso.bases[1] as string, token);
      expect(replay.status).toBe(400);
      expect(await replay.json()).toMatchObject({ error: "invalid_request", error_description: expect.stringContaining("taken before") });
      const fresh = await logoutToken("nobody", "jti-edge-2");
      expect((await post(sso.base, fresh)).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });
});

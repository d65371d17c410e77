import { describe, expect, it } from "vitest";
import { ssoConsole } from "../support/sso-console.js";

/**
 * A provider that gives no refresh token (oidc-provider without `offline_access`): a console
 * session is asked of it again with userinfo and the access token, and lasts at most
 * `reauthenticate_after`, on the console's clock, which the test moves. platform → admin.
 */
const accounts: Record<string, { groups: string[]; disabled?: boolean }> = {
  ada: { groups: ["platform"] },
  otto: { groups: ["platform"] },
  vera: { groups: ["platform"] },
  bob: { groups: ["platform"] },
  carol: { groups: ["platform"] },
};
const sso = ssoConsole({
  prefix: "sluice-sso-userinfo-",
  accounts,
  settings: { recheck_every: "2m", reauthenticate_after: "30m", roles: { admin: ["platform"] } },
});
const { clock, get } = sso;

describe("an SSO session without a refresh token", () => {
  it("loses admin taken away at the provider, asked with userinfo (control: an unchanged user keeps it)", async () => {
    const ada = await sso.signIn("ada");
    const otto = await sso.signIn("otto");
    expect((await get("/tokens", ada)).status).toBe(200);
    accounts.ada = { groups: [] };
    const asked = sso.idp.counts.userinfo;
    clock.offsetMs += 2 * 60e3 + 1e3;
    expect((await get("/tokens", ada)).status).toBe(403);
    expect((await get("/tokens", otto)).status).toBe(200);
    expect(sso.idp.counts.userinfo).toBe(asked + 2);
  });

  it("ends when userinfo refuses a disabled user's unexpired access token", async () => {
    const vera = await sso.signIn("vera");
    accounts.vera = { groups: ["platform"], disabled: true };
    clock.offsetMs += 2 * 60e3 + 1e3;
    const r = await get("/tokens", vera);
    expect(r.headers.get("location")).toBe("/login?return=%2Ftokens&ended=refused");
  });

  it("lasts reauthenticate_after, then asks for a new sign-in (control: until then it stands)", async () => {
    const otto = await sso.signIn("otto");
    clock.offsetMs += 29 * 60e3;
    expect((await get("/tokens", otto)).status).toBe(200);
    clock.offsetMs += 61e3;
    const r = await get("/tokens", otto);
    expect(r.headers.get("location")).toBe("/login?return=%2Ftokens&ended=expired");
    expect(await (await fetch(`${sso.base}/login?ended=expired`)).text()).toContain("Your sign-in ran out");
    // The parameter is anyone's to write into a link: only the console's own keys say anything.
    for (const made of ["constructor", "Your account is locked, call +1 555"])
      expect(await (await fetch(`${sso.base}/login?ended=${encodeURIComponent(made)}`)).text()).not.toMatch(
        /banner flash|account is locked/,
      );
  });
});

describe("back-channel logout of a provider whose ID tokens name no provider session (sid)", () => {
  it("attack: a logout token naming the user and a sid ends their session (control: another user's stays)", async () => {
    const bob = await sso.signIn("bob");
    const carol = await sso.signIn("carol");
    const idToken = JSON.parse(Buffer.from((sso.idp.idTokens.at(-1) ?? "").split(".")[1] ?? "", "base64url").toString());
    expect(idToken.sid).toBeUndefined();
    const logout = await sso.idp.sign({
      iss: sso.idp.issuer,
      aud: sso.idp.clientId,
      sub: "bob",
      sid: "a-session-the-console-never-heard-of",
      jti: `j-${Date.now()}`,
      events: { "http://schemas.openid.net/event/backchannel-logout": {} },
    });
    const r = await fetch(`${sso.base}/login/sso/corp/backchannel-logout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ logout_token: logout }),
    });
    expect(r.status).toBe(200);
    expect((await get("/", bob)).status).toBe(302);
    expect((await get("/", carol)).status).toBe(200);
  });
});

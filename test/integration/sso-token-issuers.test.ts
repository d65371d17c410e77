import { describe, expect, it } from "vitest";
import type { ApiTokenRecord } from "../../src/store/api-token-store.js";
import { ssoConsole } from "../support/sso-console.js";

/**
 * The API tokens an SSO user issued stand on that user as their provider knows them (`sub`), not
 * on their name, and on the roles they hold now: against a real OpenID provider (oidc-provider,
 * refresh tokens), tokens issued from the console's own form, the console's clock moved past
 * `recheck_every` (never waited for). Accounts are named by their `sub`; `username` is their
 * `preferred_username`, which the provider lets them change. Groups: platform → admin, ops →
 * operator, eng → viewer.
 */
const RECHECK_MS = 5 * 60e3;
const accounts: Record<string, { groups: string[]; disabled?: boolean; username?: string }> = {
  "u-ada": { groups: ["platform"], username: "ada" },
  "u-eve": { groups: ["platform"], username: "eve" },
  "u-dana": { groups: ["platform"], username: "dana" },
  "u-otto": { groups: ["platform"], username: "otto" },
  "u-ivy": { groups: ["platform"], username: "ivy" },
  "u-rex": { groups: ["platform"], username: "rex" },
};
const sso = ssoConsole({
  prefix: "sluice-sso-token-issuers-",
  accounts,
  idp: { refreshTokens: {} },
  settings: { roles: { admin: ["platform"], operator: ["ops"], viewer: ["eng"] } },
});
const { clock, get, signIn } = sso;

/** Issues a token from the console's form (/tokens), as the signed-in admin of `cookie`; its record. */
async function issue(cookie: string, name: string, scopes: string[]): Promise<ApiTokenRecord> {
  const page = await (await get("/tokens", cookie)).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error("no CSRF token on /tokens");
  const form = new URLSearchParams({ _csrf: csrf, name, repos: "", expires_in_days: "30" });
  for (const s of scopes) form.append("scopes", s);
  const r = await fetch(`${sso.base}/tokens`, {
    method: "POST",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: form,
  });
  expect([name, r.status]).toEqual([name, 200]);
  const record = (await sso.store.apiTokens()).find((t) => t.name === name);
  if (!record) throw new Error(`no token ${name}`);
  return record;
}

const revokedBy = async (...tokens: ApiTokenRecord[]) => {
  const all = await sso.store.apiTokens();
  return tokens.map((t) => [t.name, all.find((x) => x.id === t.id)?.revokedBy ?? "live"]);
};

describe("a user their provider refused, renamed since they issued a token", () => {
  it("attack: loses the token issued under the old name (control: the account that took that name keeps theirs)", async () => {
    const before = await signIn("u-ada");
    const old = await issue(before, "ada-ci", ["admin"]);
    expect(old).toMatchObject({ createdBy: "sso:corp:ada", createdBySso: { provider: "corp", issuer: sso.idp.issuer, subject: "u-ada" } });
    // Ada renames herself at the provider; Eve takes the name she gave up and issues a token under it.
    (accounts["u-ada"] as { username: string }).username = "ada2";
    const after = await signIn("u-ada");
    (accounts["u-eve"] as { username: string }).username = "ada";
    const eve = await signIn("u-eve");
    const eves = await issue(eve, "eve-ci", ["admin"]);
    expect(eves.createdBy).toBe("sso:corp:ada");
    // Ada is disabled; her session (as ada2) asks the provider once recheck_every has passed.
    accounts["u-ada"] = { groups: ["platform"], username: "ada2", disabled: true };
    clock.offsetMs += RECHECK_MS + 1e3;
    expect((await get("/tokens", after)).headers.get("location")).toBe("/login?return=%2Ftokens&ended=refused");
    expect(await revokedBy(old, eves)).toEqual([
      ["ada-ci", "sluice"],
      ["eve-ci", "live"],
    ]);
    expect((await get("/tokens", eve)).status).toBe(200);
  });
});

describe("a user their provider refused, after the operator renamed or re-pointed a provider entry", () => {
  it("attack: loses the token issued under the entry's former name (the same issuer); control: the same sub of the issuer the name was pointed at before keeps theirs", async () => {
    const rex = await signIn("u-rex");
    const mine = await issue(rex, "rex-ci", ["admin"]);
    const token = (name: string, createdBy: string, by: { provider: string; issuer: string }) =>
      sso.store.addApiToken({
        name,
        digest: `digest-of-${name}`,
        scopes: ["admin"],
        repos: [],
        createdBy,
        createdBySso: { ...by, subject: "u-rex" },
        expiresAt: new Date(Date.now() + 86400e3).toISOString(),
      });
    // Issued while this issuer's entry was named staff (since renamed corp), and while the name corp
    // was another issuer's, whose user u-rex is someone else.
    const renamed = await token("rex-old", "sso:staff:rex", { provider: "staff", issuer: sso.idp.issuer });
    const elsewhere = await token("other-rex", "sso:corp:rex", { provider: "corp", issuer: "https://login.elsewhere.test" });
    accounts["u-rex"] = { groups: ["platform"], username: "rex", disabled: true };
    clock.offsetMs += RECHECK_MS + 1e3;
    expect((await get("/", rex)).headers.get("location")).toBe("/login?return=%2F&ended=refused");
    expect(await revokedBy(mine, renamed, elsewhere)).toEqual([
      ["rex-ci", "sluice"],
      ["rex-old", "sluice"],
      ["other-rex", "live"],
    ]);
  });
});

describe("an SSO user's token issued before Sluice recorded the issuer", () => {
  it("is shown refused on the tokens page (control: one with its issuer is active)", async () => {
    const otto = await signIn("u-otto");
    const pinned = await issue(otto, "otto-pinned", ["read"]);
    const old = await sso.store.addApiToken({
      name: "otto-old",
      digest: "digest-of-otto-old",
      scopes: ["read"],
      repos: [],
      createdBy: "sso:corp:otto",
      expiresAt: new Date(Date.now() + 86400e3).toISOString(),
    });
    const page = await (await get("/tokens", otto)).text();
    const rowOf = (name: string) => page.slice(page.indexOf(name), page.indexOf("</tr>", page.indexOf(name)));
    expect(rowOf(old.name)).toContain("refused: issued before Sluice recorded its SSO user&#x27;s issuer");
    expect(rowOf(pinned.name)).toContain("active");
  });
});

describe("a user who lost a role at the provider", () => {
  it("attack: loses the tokens they issued that their new role does not cover, audited (a read token it covers stays)", async () => {
    const dana = await signIn("u-dana");
    const admin = await issue(dana, "dana-admin", ["admin"]);
    const operate = await issue(dana, "dana-operate", ["operate"]);
    const read = await issue(dana, "dana-read", ["read"]);
    accounts["u-dana"] = { groups: ["eng"], username: "dana" };
    clock.offsetMs += RECHECK_MS + 1e3;
    // Still signed in, as a viewer now.
    expect((await get("/tokens", dana)).status).toBe(403);
    expect((await get("/", dana)).status).toBe(200);
    expect(await revokedBy(admin, operate, read)).toEqual([
      ["dana-admin", "sluice"],
      ["dana-operate", "sluice"],
      ["dana-read", "live"],
    ]);
    const audit = await sso.store.auditEvents({ action: "api-token-revoke", limit: 20 });
    expect(
      audit
        .map((e) => e.detail)
        .filter((d) => d?.includes("dana"))
        .sort(),
    ).toEqual(
      [admin.id, operate.id].map((id) => `token ${id}: sso:corp:dana's roles no longer cover it (their groups at corp now: eng)`).sort(),
    );
  });

  it("attack: demoted while away, loses them as she signs in anew (the session she issued them from never asked again)", async () => {
    const ivy = await signIn("u-ivy");
    const admin = await issue(ivy, "ivy-admin", ["admin"]);
    accounts["u-ivy"] = { groups: ["ops"], username: "ivy" };
    const again = await signIn("u-ivy");
    expect(await revokedBy(admin)).toEqual([["ivy-admin", "sluice"]]);
    expect((await get("/", again)).status).toBe(200);
  });

  it("control: a user whose groups did not change keeps every token across two checks", async () => {
    const otto = await signIn("u-otto");
    const admin = await issue(otto, "otto-admin", ["admin"]);
    for (const n of [1, 2]) {
      clock.offsetMs += RECHECK_MS + 1e3;
      expect([n, (await get("/tokens", otto)).status]).toEqual([n, 200]);
    }
    expect(await revokedBy(admin)).toEqual([["otto-admin", "live"]]);
  });
});

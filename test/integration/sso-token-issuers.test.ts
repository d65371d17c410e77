import { describe, expect, it } from "vitest";
import type { ApiTokenRecord } from "../../src/store/api-token-store.js";
import { ssoConsole } from "../support/sso-console.js";

/**
 * The API tokens an SSO user issued stand on that user as their provider knows them (`sub`), not
 * on their name: against a real OpenID provider (oidc-provider, refresh tokens), tokens issued
 * from the console's own form, the console's clock moved past
 * `recheck_every` (never waited for). Accounts are named by their `sub`; `username` is their
 * `preferred_username`, which the provider lets them change. Groups: platform → admin, ops →
 * operator, eng → viewer.
 */
const RECHECK_MS = 5 * 60e3;
const accounts: Record<string, { groups: string[]; disabled?: boolean; username?: string }> = {
  "u-ada": { groups: ["platform"], username: "ada" },
  "u-eve": { groups: ["platform"], username: "eve" },
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
    expect(old).toMatchObject({ createdBy: "sso:corp:ada", createdBySso: { provider: "corp", subject: "u-ada" } });
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

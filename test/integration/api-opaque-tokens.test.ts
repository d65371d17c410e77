import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiAuth } from "../../src/api/api-auth.js";
import { issueToken } from "../../src/console/token-actions.js";
import type { SsoProvider } from "../../src/sso/sso-provider.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { OTHER_CLIENT, type TestOidcProvider } from "../support/oidc-provider.js";
import { startCorpSso } from "../support/api-sso.js";

/**
 * An opaque access token on the API, against a real OpenID provider: userinfo answers for a token
 * of ANY client of the user, so only one the provider says it issued to Sluice (introspection)
 * stands for the user; another application's token of the same user would otherwise act here.
 */
const idps: TestOidcProvider[] = [];
const providers: SsoProvider[] = [];

async function setUp(opts: { introspection: boolean; userinfoTokens?: boolean }) {
  const { idp, provider } = await startCorpSso({
    introspection: opts.introspection,
    settings: opts.userinfoTokens ? { api_userinfo_tokens: true } : {},
  });
  idps.push(idp);
  providers.push(provider);
  // Counted: every repository is read only for a token that holds.
  const reads = { repos: 0 };
  const store = {
    usableApiToken: async () => undefined,
    knownRepos: async () => {
      reads.repos++;
      return ["acme/infra"];
    },
  };
  const auth = createApiAuth({ store: store as never, sso: new Map([["corp", provider]]) });
  return { idp, reads, as: (token: string) => auth(`Bearer ${token}`, undefined) };
}

afterAll(async () => {
  for (const p of providers) p.stop();
  for (const idp of idps) await idp.stop();
});

describe("an opaque access token on the API", () => {
  let withIntrospection: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    withIntrospection = await setUp({ introspection: true });
  });

  it("stands for its user when the provider issued it to Sluice (control)", async () => {
    const { idp, as, reads } = withIntrospection;
    const before = reads.repos;
    const r = await as(await idp.mintAccessToken("ada", idp.clientId));
    expect(r).toMatchObject({ ok: true, caller: { actor: "sso:corp:ada", admin: true } });
    expect(reads.repos).toBe(before + 1);
  });

  it("is refused when the provider issued it to another application, though userinfo answers for it", async () => {
    const { idp, as, reads } = withIntrospection;
    const before = reads.repos;
    const r = await as(await idp.mintAccessToken("ada", OTHER_CLIENT));
    expect(r).toEqual({ ok: false, error: `the access token was issued to another client of corp (\`${OTHER_CLIENT}\`), not to Sluice` });
    // A refused token costs no read of every repository (anyone can send one).
    expect(await as("sluice_not-a-token")).toMatchObject({ ok: false });
    expect(reads.repos).toBe(before);
  });

  it("is refused by a provider that cannot introspect, unless the operator lets userinfo decide", async () => {
    const strict = await setUp({ introspection: false });
    const refused = await strict.as(await strict.idp.mintAccessToken("ada", strict.idp.clientId));
    expect(refused).toMatchObject({ ok: false, error: expect.stringContaining("corp has no token introspection endpoint") });
    const lax = await setUp({ introspection: false, userinfoTokens: true });
    expect(await lax.as(await lax.idp.mintAccessToken("ada", OTHER_CLIENT))).toMatchObject({ ok: true, caller: { actor: "sso:corp:ada" } });
  });

  it("issues no Sluice token that outlives it: the introspection's expiry, or none without it (control: an API token's life)", async () => {
    const store = openSqliteStore(":memory:");
    const ask = { name: "kept", scopes: ["admin" as const], repos: [], expires_in_days: 1 };
    const { idp, as } = withIntrospection;
    const r = await as(await idp.mintAccessToken("ada", idp.clientId));
    if (!r.ok) throw new Error(r.error);
    // The provider's token lives an hour: a day-long token would outlive it.
    expect(Date.parse(r.caller.credentialExpiresAt ?? "")).toBeLessThan(Date.now() + 2 * 3600_000);
    expect(await issueToken(store, r.caller, ask, 365)).toMatchObject({ ok: false, error: expect.stringContaining("no later than") });
    // Userinfo alone says nothing of when the token ends: it issues nothing.
    const lax = await setUp({ introspection: false, userinfoTokens: true });
    const u = await lax.as(await lax.idp.mintAccessToken("ada", lax.idp.clientId));
    if (!u.ok) throw new Error(u.error);
    expect(await issueToken(store, u.caller, ask, 365)).toMatchObject({ ok: false, error: expect.stringContaining("no later than") });
    expect(await store.apiTokens()).toEqual([]);
    // Control: the same user's roles still act (admin), and an admin who signed in issues a day.
    expect(r.caller.admin).toBe(true);
    expect(await issueToken(store, { ...r.caller, credentialExpiresAt: undefined }, ask, 365)).toMatchObject({ ok: true });
  });
});

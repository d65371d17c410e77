import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiAuth } from "../../src/api/api-auth.js";
import { issueToken } from "../../src/console/token-actions.js";
import { ssoProviderSchema } from "../../src/config/sso-config-schema.js";
import { createSsoProvider, type SsoProvider } from "../../src/sso/sso-provider.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { OTHER_CLIENT, type TestOidcProvider } from "../support/oidc-provider.js";
import { startCorpSso } from "../support/api-sso.js";

/**
 * A JWT access token on the API (RFC 9068), against a real OpenID provider's key set: it stands
 * for its user only while it says until when (`exp`) and whom (`sub`); a token that leaves either
 * out would act with the user's roles for ever, or for nobody in particular.
 */
const quiet = { info: () => undefined, error: () => undefined };
let idp: TestOidcProvider;
let provider: SsoProvider;
let contractors: SsoProvider;
let as: (token: string) => ReturnType<ReturnType<typeof createApiAuth>>;
let asOfTwo: (token: string) => ReturnType<ReturnType<typeof createApiAuth>>;

beforeAll(async () => {
  ({ idp, provider } = await startCorpSso());
  // A second application at the same identity provider, whose members are viewers only.
  contractors = createSsoProvider(
    ssoProviderSchema.parse({
      name: "contractors",
      issuer: idp.issuer,
      client_id: OTHER_CLIENT,
      client_secret: "env:SSO_SECRET",
      roles: { viewer: ["platform"] },
    }),
    {
      redirectUri: "http://127.0.0.1:1/login/sso/contractors/callback",
      env: { SSO_SECRET: "secret-of-another-app-0123456789" },
      log: quiet,
    },
  );
  await contractors.start();
  expect(contractors.status()).toMatchObject({ ok: true });
  const store = { usableApiToken: async () => undefined, knownRepos: async () => ["acme/infra"] };
  const auth = createApiAuth({ store: store as never, sso: new Map([["corp", provider]]) });
  as = (token) => auth(`Bearer ${token}`, undefined);
  // The viewers' application listed first: a token is checked against the provider its audience names.
  const both = createApiAuth({
    store: store as never,
    sso: new Map([
      ["contractors", contractors],
      ["corp", provider],
    ]),
  });
  asOfTwo = (token) => both(`Bearer ${token}`, undefined);
});

afterAll(async () => {
  provider?.stop();
  contractors?.stop();
  await idp?.stop();
});

describe("a JWT access token on the API", () => {
  const at = { typ: "at+jwt" };
  const claims = () => ({
    iss: idp.issuer,
    aud: idp.clientId,
    sub: "ada",
    preferred_username: "ada",
    groups: ["platform"],
    iat: Math.floor(Date.now() / 1000),
  });

  it("stands for its user when it names them and expires (control)", async () => {
    expect(await as(await idp.sign(claims(), at))).toMatchObject({ ok: true, caller: { actor: "sso:corp:ada", admin: true } });
  });

  it("is refused without an expiry, though the provider's key signed it", async () => {
    const r = await as(await idp.sign({ ...claims(), exp: undefined }, at));
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining('"exp"') });
  });

  it("is refused without a subject", async () => {
    const r = await as(await idp.sign({ ...claims(), sub: undefined }, at));
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining('"sub"') });
  });

  it("issues no Sluice token that outlives it (control: within its own life it does)", async () => {
    const store = openSqliteStore(":memory:");
    const ask = { name: "kept", scopes: ["admin" as const], repos: [], expires_in_days: 365 };
    // Attack: an admin's access token, leaked (it is sent to every API of its audience), mints a
    // year-long admin token that outlives its 10 minutes, its revocation and the user's demotion.
    const short = await as(await idp.sign(claims(), at));
    if (!short.ok) throw new Error(short.error);
    expect(await issueToken(store, short.caller, ask, 365)).toMatchObject({
      ok: false,
      status: 400,
      error: expect.stringContaining("no later than that token"),
    });
    expect(await store.apiTokens()).toEqual([]);
    // Control: one that lives 40 days issues a 30-day token.
    const long = await as(await idp.sign(claims(), { ...at, expiresIn: "40d" }));
    if (!long.ok) throw new Error(long.error);
    expect(await issueToken(store, long.caller, { ...ask, expires_in_days: 30 }, 365)).toMatchObject({ ok: true });
    // It stands on its user by the provider's issuer and sub, not the provider's name alone.
    expect((await store.apiTokens())[0]?.createdBySso).toEqual({ provider: "corp", issuer: idp.issuer, subject: "ada" });
  });
});

describe("a JWT access token where two SSO providers share an issuer", () => {
  const at = { typ: "at+jwt" };
  const claims = (aud: string | string[]) => ({
    iss: idp.issuer,
    aud,
    sub: "ada",
    groups: ["platform"],
    iat: Math.floor(Date.now() / 1000),
  });

  it("stands for its user at the provider its audience names, with that provider's roles", async () => {
    expect(await asOfTwo(await idp.sign(claims(idp.clientId), at))).toMatchObject({
      ok: true,
      caller: { actor: "sso:corp:ada", admin: true },
    });
    expect(await asOfTwo(await idp.sign(claims(OTHER_CLIENT), at))).toMatchObject({
      ok: true,
      caller: { actor: "sso:contractors:ada", admin: false },
    });
  });

  it("is refused when its audience names both, or neither", async () => {
    expect(await asOfTwo(await idp.sign(claims([idp.clientId, OTHER_CLIENT]), at))).toMatchObject({
      ok: false,
      error: expect.stringContaining("names more than one SSO provider of its issuer (contractors, corp)"),
    });
    expect(await asOfTwo(await idp.sign(claims("a-third-app"), at))).toMatchObject({
      ok: false,
      error: expect.stringContaining("none of the SSO providers of its issuer"),
    });
  });
});

import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiAuth } from "../../src/api/api-auth.js";
import type { SsoProvider } from "../../src/sso/sso-provider.js";
import type { TestOidcProvider } from "../support/oidc-provider.js";
import { startCorpSso } from "../support/api-sso.js";

/**
 * What a JWT on the API is refused for, each against a real OpenID provider's key set: no
 * signature (`alg: none`), a signature with the client's secret as an HMAC key, another issuer,
 * another audience, an ID token, a token not valid yet (`nbf`) or no longer (`exp`), another key.
 * Control: the provider's own access token for Sluice stands for its user.
 */
let idp: TestOidcProvider;
let provider: SsoProvider;
let as: (token: string) => ReturnType<ReturnType<typeof createApiAuth>>;

beforeAll(async () => {
  ({ idp, provider } = await startCorpSso());
  const store = { usableApiToken: async () => undefined, knownRepos: async () => ["acme/infra"] };
  const auth = createApiAuth({ store: store as never, sso: new Map([["corp", provider]]) });
  as = (token) => auth(`Bearer ${token}`, undefined);
});

afterAll(async () => {
  provider?.stop();
  await idp?.stop();
});

const at = { typ: "at+jwt" };
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: idp.issuer,
  aud: idp.clientId,
  sub: "ada",
  preferred_username: "ada",
  groups: ["platform"],
  iat: now(),
  exp: now() + 600,
  ...extra,
});
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

describe("a JWT on the API", () => {
  it("stands for its user when the provider signed it for Sluice (control)", async () => {
    expect(await as(await idp.sign(claims(), at))).toMatchObject({ ok: true, caller: { actor: "sso:corp:ada", admin: true } });
  });

  it("is refused unsigned (alg: none)", async () => {
    expect(await as(`${b64({ alg: "none", typ: "at+jwt" })}.${b64(claims())}.`)).toMatchObject({ ok: false });
  });

  it("is refused signed with the client's secret as an HMAC key", async () => {
    const hs = await new SignJWT(claims())
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: "test-key-1" })
      .sign(new TextEncoder().encode(idp.clientSecret));
    expect(await as(hs)).toMatchObject({ ok: false });
  });

  it("is refused from another issuer, for another audience, as an ID token, or signed by another key", async () => {
    expect(await as(await idp.sign(claims({ iss: "https://elsewhere.example" }), at))).toMatchObject({ ok: false });
    expect(await as(await idp.sign(claims({ aud: "another-app" }), at))).toMatchObject({ ok: false });
    expect(await as(await idp.sign(claims(), { typ: "JWT" }))).toMatchObject({ ok: false });
    expect(await as(await idp.forge({ ...claims() }))).toMatchObject({ ok: false });
  });

  it("is refused before its nbf and after its exp (past the clock tolerance)", async () => {
    expect(await as(await idp.sign(claims({ nbf: now() + 600 }), at))).toMatchObject({
      ok: false,
      error: expect.stringContaining('"nbf"'),
    });
    expect(await as(await idp.sign(claims({ iat: now() - 1200, exp: now() - 600 }), at))).toMatchObject({
      ok: false,
      error: expect.stringContaining('"exp"'),
    });
  });
});

import { expect } from "vitest";
import { ssoProviderSchema } from "../../src/config/sso-config-schema.js";
import { createSsoProvider, type SsoProvider } from "../../src/sso/sso-provider.js";
import { startOidcProvider, type TestOidcProvider } from "./oidc-provider.js";
import { freePort } from "./start-app.js";

// Shared by the API token tests (integration/api-*-tokens, api-jwt-refusals): a real OpenID
// provider and Sluice's `corp` provider of it, whose tokens the API is asked to take.

const CALLBACK = "http://127.0.0.1:1/login/sso/corp/callback";
const quiet = { info: () => undefined, error: () => undefined };

/**
 * A real OpenID provider where ada is in `platform`, and Sluice's `corp` provider of it (platform
 * are admins, `settings` besides), started and checked ready. Stop both; a failed start stops the IdP.
 */
export async function startCorpSso(
  opts: { introspection?: boolean; settings?: Record<string, unknown> } = {},
): Promise<{ idp: TestOidcProvider; provider: SsoProvider }> {
  const idp = await startOidcProvider({
    port: await freePort(),
    redirectUris: [CALLBACK],
    accounts: { ada: { groups: ["platform"] } },
    introspection: opts.introspection,
  });
  let provider: SsoProvider | undefined;
  try {
    const settings = ssoProviderSchema.parse({
      name: "corp",
      issuer: idp.issuer,
      client_id: idp.clientId,
      client_secret: "env:SSO_SECRET",
      roles: { admin: ["platform"] },
      ...opts.settings,
    });
    provider = createSsoProvider(settings, { redirectUri: CALLBACK, env: { SSO_SECRET: idp.clientSecret }, log: quiet });
    await provider.start();
    expect(provider.status()).toMatchObject({ ok: true });
    return { idp, provider };
  } catch (e) {
    provider?.stop();
    await idp.stop();
    throw e;
  }
}

import * as oidc from "openid-client";
import { describeOidcError } from "../sso/oidc-error.js";
import type { SsoProvider } from "../sso/sso-provider.js";
import { type ApiAuth, expiryOf, ssoCaller } from "./api-caller.js";

/**
 * Who a provider's opaque access token stands for, asked of its userinfo endpoint once its
 * introspection says the token was issued to Sluice. With several providers the caller names one
 * in `X-Sluice-Provider`, so a token never goes to a provider it is not from.
 */
export async function ssoUserinfoAuth(
  sso: ReadonlyMap<string, SsoProvider>,
  token: string,
  named: string | undefined,
  repos: () => Promise<string[]>,
): Promise<ApiAuth> {
  const providers = [...sso.values()];
  const provider = named ? sso.get(named) : providers.length === 1 ? providers[0] : undefined;
  if (!provider)
    return { ok: false, error: named ? `no SSO provider named ${named}` : "name the token's provider in the X-Sluice-Provider header" };
  const client = provider.client();
  if (!client) return { ok: false, error: `${provider.name} is unavailable (see /readyz)` };
  const issuedHere = await issuedToSluice(provider, client, token);
  if (typeof issuedHere === "string") return { ok: false, error: issuedHere };
  let claims: Record<string, unknown>;
  try {
    claims = await oidc.fetchUserInfo(client, token, oidc.skipSubjectCheck);
  } catch (e) {
    return { ok: false, error: `${provider.name} did not accept the access token: ${describeOidcError(e)}` };
  }
  return { ok: true, caller: ssoCaller(provider, claims, await repos(), expiryOf(issuedHere.exp)) };
}

/**
 * Whether the provider issued this opaque token to Sluice (its introspection endpoint names the
 * client or audience), or why not: userinfo answers for a token of any client of the user, so a
 * token another application holds would otherwise act here with the user's roles. Its expiry
 * is the introspection's `exp` (none without introspection: userinfo does not say).
 */
async function issuedToSluice(provider: SsoProvider, client: oidc.Configuration, token: string): Promise<{ exp?: number } | string> {
  if (!client.serverMetadata().introspection_endpoint) {
    if (provider.settings.api_userinfo_tokens) return {};
    return `${provider.name} has no token introspection endpoint, so Sluice cannot tell whether an opaque access token was issued to it: use a JWT access token or a Sluice API token (or set \`api_userinfo_tokens: true\` for this provider)`;
  }
  let found: oidc.IntrospectionResponse;
  try {
    found = await oidc.tokenIntrospection(client, token);
  } catch (e) {
    return `${provider.name} could not check the access token: ${describeOidcError(e)}`;
  }
  if (found.active !== true) return `${provider.name} says the access token is not active`;
  const ours = [provider.settings.client_id, ...provider.settings.api_audiences];
  const aud = found.aud === undefined ? [] : Array.isArray(found.aud) ? found.aud : [found.aud];
  if (found.client_id === provider.settings.client_id || aud.some((a) => ours.includes(a))) return { exp: found.exp };
  return `the access token was issued to another client of ${provider.name}${found.client_id ? ` (\`${found.client_id}\`)` : ""}, not to Sluice`;
}

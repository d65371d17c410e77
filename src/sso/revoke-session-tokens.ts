import * as oidc from "openid-client";
import type { SsoSessionTokens } from "../model/sso-session.js";
import { describeOidcError } from "./oidc-error.js";
import type { SsoProvider } from "./sso-provider.js";

/**
 * Revokes at the provider (RFC 7009, its discovery document's `revocation_endpoint`) the token an
 * ended console session held: the refresh token, else the access token. Forgotten with the session
 * otherwise, it stays good at the provider until it expires there, for whoever copied it. A
 * provider that advertises no endpoint is not asked; one that fails is logged, never thrown: the
 * session is over either way.
 */
export async function revokeSessionTokens(
  provider: Pick<SsoProvider, "name" | "client">,
  tokens: SsoSessionTokens,
  log: { warn(obj: object, msg: string): void },
): Promise<"revoked" | "not-advertised" | "failed"> {
  const client = provider.client();
  const token = tokens.refreshToken ?? tokens.accessToken;
  if (!client || !token || !client.serverMetadata().revocation_endpoint) return "not-advertised";
  try {
    await oidc.tokenRevocation(client, token, { token_type_hint: tokens.refreshToken ? "refresh_token" : "access_token" });
    return "revoked";
  } catch (e) {
    log.warn(
      { provider: provider.name, reason: describeOidcError(e) },
      `could not revoke an ended console session's token at ${provider.name}`,
    );
    return "failed";
  }
}

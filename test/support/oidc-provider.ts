import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import Provider from "oidc-provider";

/**
 * A real OpenID provider (panva's oidc-provider, OpenID certified) on a loopback port, for the
 * SSO tests. Its dev interactions sign in any login (password: anything); `accounts` gives their
 * groups. `tamper` rewrites the token endpoint's answer (forged, expired, replayed ID tokens);
 * `clockOffsetS` shifts the Date header it answers with (a skewed clock).
 */
export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Signs a JWT with the provider's own key (a token it could have issued). */
  sign(claims: Record<string, unknown>, opts?: { typ?: string; expiresIn?: string | number }): Promise<string>;
  /** Signs with a key the provider never published (a forgery). */
  forge(claims: Record<string, unknown>): Promise<string>;
  /** Rewrites the next token responses' body (undefined: leave them). */
  tamper?: (body: Record<string, unknown>) => Promise<Record<string, unknown>>;
  /** The ID tokens the token endpoint gave, in order. */
  idTokens: string[];
  /** The access tokens it gave (opaque: userinfo answers for them). */
  accessTokens: string[];
  /** The refresh tokens it gave, in order. */
  refreshTokens: string[];
  /** Asks the token endpoint for a refresh_token grant as Sluice's client would: its status and error. */
  refresh(refreshToken: string): Promise<{ status: number; error?: string }>;
  /** Revokes a refresh token at the revocation endpoint as Sluice's client would (RFC 7009): its status. */
  revoke(refreshToken: string): Promise<number>;
  /** An opaque access token of `account`, issued to `clientId` (another application's: OTHER_CLIENT). */
  mintAccessToken(account: string, clientId: string): Promise<string>;
  /** Has the provider post a real logout token for `sub` (and `sid`) to Sluice's `backchannel_logout_uri`. */
  backchannelLogout(sub: string, sid: string): Promise<void>;
  /** While true, the token, userinfo and revocation endpoints answer 503 (a provider that is down). */
  outage: boolean;
  /** While set, the token and userinfo endpoints answer only once it resolves (a provider that hangs). */
  stall?: Promise<void>;
  /** How many token and userinfo requests the provider received while stalled. */
  stalledRequests: number;
  /** How many refresh_token grants the token endpoint answered, userinfo and revocation (RFC 7009) requests. */
  counts: { refresh: number; userinfo: number; revocation: number };
  clockOffsetS: number;
  stop(): Promise<void>;
}

export interface OidcProviderOptions {
  port: number;
  redirectUris: string[];
  /**
   * Live: a test changes a user's groups, or disables them (the provider then knows no such
   * account), or renames them (`username`, their `preferred_username`; else their account id, which
   * is their `sub`).
   */
  accounts: Record<string, { groups: string[]; email?: string; disabled?: boolean; username?: string }>;
  clientSecret?: string;
  /**
   * Refresh tokens for Sluice's client at every sign-in (as Keycloak gives them; oidc-provider
   * would otherwise want `offline_access` and a consent prompt); `rotate` gives a new one at each use.
   */
  refreshTokens?: { rotate?: boolean };
  /** Sluice's `backchannel_logout_uri` (then the ID token carries `sid`). */
  backchannelLogoutUri?: string;
  /** Token introspection (RFC 7662), on unless false. */
  introspection?: boolean;
  /** Token revocation (RFC 7009, `revocation_endpoint`), on unless false. */
  revocation?: boolean;
}

/** A second application registered at the same provider: its users' tokens are not Sluice's. */
export const OTHER_CLIENT = "another-app";

export async function startOidcProvider(opts: OidcProviderOptions): Promise<TestOidcProvider> {
  const issuer = `http://127.0.0.1:${opts.port}`;
  const clientId = "sluice-console";
  const clientSecret = opts.clientSecret ?? "client-secret-of-the-test-provider-0123";
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: "test-key-1", alg: "RS256", use: "sig" };
  const forger = await generateKeyPair("RS256", { extractable: true });
  const claimsOf = (id: string) => {
    const a = opts.accounts[id];
    return { sub: id, preferred_username: a?.username ?? id, email: a?.email ?? `${id}@example.test`, groups: a?.groups ?? [] };
  };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: opts.redirectUris,
        response_types: ["code"],
        grant_types: opts.refreshTokens ? ["authorization_code", "refresh_token"] : ["authorization_code"],
        ...(opts.backchannelLogoutUri
          ? { backchannel_logout_uri: opts.backchannelLogoutUri, backchannel_logout_session_required: true }
          : {}),
      },
      {
        client_id: OTHER_CLIENT,
        client_secret: "secret-of-another-app-0123456789",
        redirect_uris: ["http://127.0.0.1/cb"],
        response_types: ["code"],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ["cookie-key-of-the-test-provider-0123456789"] },
    claims: { openid: ["sub"], profile: ["preferred_username", "groups"], email: ["email"] },
    // Scope claims in userinfo only (the default): Sluice reads the groups from there when the ID token lacks them.
    findAccount: (_ctx: unknown, id: string) => (opts.accounts[id]?.disabled ? undefined : { accountId: id, claims: () => claimsOf(id) }),
    features: {
      devInteractions: { enabled: true },
      introspection: { enabled: opts.introspection !== false },
      revocation: { enabled: opts.revocation !== false },
      backchannelLogout: { enabled: opts.backchannelLogoutUri !== undefined },
    },
    // Its back-channel posts go to Sluice on a loopback address, which its SSRF guard refuses.
    fetch: (url: string, options: RequestInit & { dispatcher?: unknown }) =>
      fetch(url, { ...options, dispatcher: undefined } as RequestInit),
    ...(opts.refreshTokens
      ? {
          issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) =>
            client.grantTypeAllowed("refresh_token"),
          rotateRefreshToken: opts.refreshTokens.rotate === true,
        }
      : {}),
  });
  const handle: TestOidcProvider = {
    issuer,
    clientId,
    clientSecret,
    idTokens: [],
    accessTokens: [],
    refreshTokens: [],
    counts: { refresh: 0, userinfo: 0, revocation: 0 },
    outage: false,
    stalledRequests: 0,
    clockOffsetS: 0,
    async backchannelLogout(sub, sid) {
      const client = await provider.Client.find(clientId);
      await client.backchannelLogout(sub, sid);
    },
    async sign(claims, o = {}) {
      const t = new SignJWT({ ...claims }).setProtectedHeader({ alg: "RS256", kid: jwk.kid as string, typ: o.typ ?? "JWT" });
      if (!("iat" in claims)) t.setIssuedAt();
      if (!("exp" in claims)) t.setExpirationTime(o.expiresIn ?? "10m");
      return t.sign(privateKey);
    },
    async mintAccessToken(account, client) {
      const found = await provider.Client.find(client);
      if (!found) throw new Error(`no client ${client}`);
      const grant = new provider.Grant({ accountId: account, clientId: client });
      grant.addOIDCScope("openid profile email");
      const grantId = await grant.save();
      return new provider.AccessToken({ accountId: account, client: found, grantId, scope: "openid profile email" }).save();
    },
    async refresh(refreshToken) {
      const r = await fetch(`${issuer}/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }),
      });
      const body = (await r.json()) as { error?: string };
      return { status: r.status, ...(body.error ? { error: body.error } : {}) };
    },
    async revoke(refreshToken) {
      const r = await fetch(`${issuer}/token/revocation`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ token: refreshToken, token_type_hint: "refresh_token" }),
      });
      await r.arrayBuffer();
      return r.status;
    },
    async forge(claims) {
      return new SignJWT({ ...claims }).setProtectedHeader({ alg: "RS256", kid: jwk.kid as string }).sign(forger.privateKey);
    },
    async stop() {
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  provider.use(
    async (
      ctx: { path: string; body: unknown; status: number; set(k: string, v: string): void; oidc?: { params?: { grant_type?: string } } },
      next: () => Promise<void>,
    ) => {
      if (handle.stall && (ctx.path === "/token" || ctx.path === "/me")) {
        handle.stalledRequests++;
        await handle.stall;
      }
      if (handle.outage && (ctx.path === "/token" || ctx.path === "/me" || ctx.path === "/token/revocation")) {
        ctx.status = 503;
        ctx.body = { error: "temporarily_unavailable" };
        if (ctx.path === "/token/revocation") handle.counts.revocation++;
        return;
      }
      await next();
      // Counted once answered: a test that waits for it finds the token revoked.
      if (ctx.path === "/token/revocation") handle.counts.revocation++;
      if (ctx.path === "/me") handle.counts.userinfo++;
      if (ctx.path === "/token" && ctx.oidc?.params?.grant_type === "refresh_token") handle.counts.refresh++;
      if (handle.clockOffsetS) ctx.set("Date", new Date(Date.now() + handle.clockOffsetS * 1000).toUTCString());
      if (ctx.path === "/token" && ctx.body && typeof ctx.body === "object") {
        const body = ctx.body as Record<string, unknown>;
        if (typeof body.id_token === "string") handle.idTokens.push(body.id_token);
        if (typeof body.access_token === "string") handle.accessTokens.push(body.access_token);
        if (typeof body.refresh_token === "string") handle.refreshTokens.push(body.refresh_token);
        if (handle.tamper) ctx.body = await handle.tamper(body);
      }
    },
  );
  const server: Server = provider.listen(opts.port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  void (server.address() as AddressInfo);
  return handle;
}

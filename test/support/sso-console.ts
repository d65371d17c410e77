import { afterAll, beforeAll, expect } from "vitest";
import { ssoProviderSchema } from "../../src/config/sso-config-schema.js";
import { createSsoProvider, type SsoProvider } from "../../src/sso/sso-provider.js";
import { openStore } from "../../src/store/open-store.js";
import { dataPaths } from "../../src/workspace/data-paths.js";
import type { Store } from "../../src/store/store.js";
import { startConsoleServer } from "./console-server.js";
import { type OidcProviderOptions, startOidcProvider, type TestOidcProvider } from "./oidc-provider.js";
import { type Browser, signInThroughProvider } from "./oidc-sign-in.js";
import { freePort } from "./start-app.js";
import { testDir } from "./temp-dir.js";

export interface SsoConsoleOptions {
  /** The store's temp dir prefix. */
  prefix: string;
  /** The provider's accounts: live, a test changes their groups or disables them. */
  accounts: OidcProviderOptions["accounts"];
  /** The provider `corp`'s settings beyond its issuer and client (`roles`, `recheck_every`…). */
  settings: Record<string, unknown>;
  /** The OpenID provider's options beyond its port, redirect URI and accounts. */
  idp?: Omit<OidcProviderOptions, "port" | "redirectUris" | "accounts" | "backchannelLogoutUri"> & { backchannelLogout?: boolean };
  /** How many consoles over the one store (replicas), each with the store this gives it (a counting proxy, say). */
  replicas?: ((store: Store) => Store)[];
}

/** A real OpenID provider, a store and the console (or its replicas) on it, with the console's clock. */
export interface SsoConsole {
  store: Store;
  /** The SQLite store's file: a test may change its schema under the consoles (a trigger that fails a write). */
  storeFile: string;
  idp: TestOidcProvider;
  provider: SsoProvider;
  /** The consoles' clock is Date.now() plus this: a test moves it, never waits. */
  clock: { offsetMs: number };
  /** The first console's address (the provider's redirect URI is its). */
  base: string;
  /** Every replica's address, the first one's first. */
  bases: string[];
  /** A GET of `path` on the first console with `cookie`, redirects not followed. */
  get(path: string, cookie: string, base?: string): Promise<Response>;
  /** Signs `login` in through the provider's own pages (in `browser`: over its sessions); the console's cookie. */
  signIn(login: string, browser?: Browser): Promise<string>;
}

/**
 * The setup every SSO session test shares, made before the file's tests and stopped after them:
 * panva's oidc-provider on a loopback port, a real SQLite store in a temp dir, and the console
 * in-process with the provider `corp` (client secret from `SSO_SECRET`) discovered and ready.
 * Call it while the file is collected; its fields are set once the tests run.
 */
export function ssoConsole(opts: SsoConsoleOptions): SsoConsole {
  const dataDir = testDir(opts.prefix);
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const servers: Awaited<ReturnType<typeof startConsoleServer>>[] = [];
  const handle = { clock: { offsetMs: 0 }, bases: [] as string[], base: "" } as SsoConsole;
  handle.get = (path, cookie, base = handle.base) => fetch(`${base}${path}`, { headers: { cookie }, redirect: "manual" });
  handle.signIn = async (login, browser) => {
    const { cookie, location } = await signInThroughProvider(handle.base, "corp", login, browser);
    expect(location).toBe("/");
    return cookie;
  };

  beforeAll(async () => {
    handle.store = await openStore(undefined, dataDir);
    handle.storeFile = dataPaths.store(dataDir);
    const port = await freePort();
    handle.base = `http://127.0.0.1:${port}`;
    const { backchannelLogout, ...idp } = opts.idp ?? {};
    handle.idp = await startOidcProvider({
      port: await freePort(),
      redirectUris: [`${handle.base}/login/sso/corp/callback`],
      accounts: opts.accounts,
      ...idp,
      ...(backchannelLogout ? { backchannelLogoutUri: `${handle.base}/login/sso/corp/backchannel-logout` } : {}),
    });
    const settings = ssoProviderSchema.parse({
      name: "corp",
      issuer: handle.idp.issuer,
      client_id: handle.idp.clientId,
      client_secret: "env:SSO_SECRET",
      ...opts.settings,
    });
    handle.provider = createSsoProvider(settings, {
      redirectUri: `${handle.base}/login/sso/corp/callback`,
      env: { SSO_SECRET: handle.idp.clientSecret },
      log: quiet,
    });
    await handle.provider.start();
    expect(handle.provider.status()).toMatchObject({ ok: true });
    const replicas = opts.replicas ?? [(s: Store) => s];
    for (const [i, storeOf] of replicas.entries()) {
      const server = await startConsoleServer(
        (url) => ({
          store: storeOf(handle.store),
          env: { publicUrl: url, sessionSecret: "s".repeat(32) },
          sso: new Map([["corp", handle.provider]]),
          now: () => Date.now() + handle.clock.offsetMs,
        }),
        i === 0 ? port : 0,
      );
      servers.push(server);
      handle.bases.push(server.base);
    }
  }, 30_000);

  afterAll(async () => {
    for (const s of servers) await s.stop();
    handle.provider?.stop();
    await handle.idp?.stop();
    await handle.store?.close();
  });

  return handle;
}

import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssoProviderSchema } from "../../src/config/sso-config-schema.js";
import { createSsoProvider, type SsoProvider } from "../../src/sso/sso-provider.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { startConsoleServer } from "../support/console-server.js";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.js";
import { signInThroughProvider } from "../support/oidc-sign-in.js";
import { freePort } from "../support/start-app.js";
import { testDir } from "../support/temp-dir.js";

/**
 * Two replicas of the console over one store, one SSO session: while one replica's check with the
 * provider hangs, a request of the same session on the other is not answered on the groups the
 * provider was due to confirm; it waits for that check's answer (and never asks with the same
 * refresh token a second time). A real oidc-provider, rotating refresh tokens; the consoles' clock
 * is moved, never waited for. Groups: platform → admin, eng → viewer.
 */
const dataDir = testDir("sluice-sso-replicas-");
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const clock = { offsetMs: 0 };
const RECHECK_MS = 5 * 60e3;
let store: Store;
let idp: TestOidcProvider;
let provider: SsoProvider;
let replicas: Awaited<ReturnType<typeof startConsoleServer>>[] = [];
let a = "";
let b = "";
/** Claims replica B asked for and did not get (another request holds the session's check). */
let refusedClaimsOnB = 0;
const accounts: Record<string, { groups: string[]; disabled?: boolean }> = {
  ada: { groups: ["platform"] },
  otto: { groups: ["platform"] },
};

beforeAll(async () => {
  store = await openStore(undefined, dataDir);
  const port = await freePort();
  a = `http://127.0.0.1:${port}`;
  idp = await startOidcProvider({
    port: await freePort(),
    redirectUris: [`${a}/login/sso/corp/callback`],
    accounts,
    refreshTokens: { rotate: true },
  });
  const settings = ssoProviderSchema.parse({
    name: "corp",
    issuer: idp.issuer,
    client_id: idp.clientId,
    client_secret: "env:SSO_SECRET",
    roles: { admin: ["platform"], viewer: ["eng"] },
  });
  provider = createSsoProvider(settings, {
    redirectUri: `${a}/login/sso/corp/callback`,
    env: { SSO_SECRET: idp.clientSecret },
    log: quiet,
  });
  await provider.start();
  expect(provider.status()).toMatchObject({ ok: true });
  const deps = (s: Store) => (url: string) => ({
    store: s,
    env: { publicUrl: url, sessionSecret: "s".repeat(32) },
    sso: new Map([["corp", provider]]),
    now: () => Date.now() + clock.offsetMs,
  });
  // Replica B's store counts the claims it was refused (what the test waits for, not a time).
  const countingStore = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== "claimSsoCheck") return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<Store["claimSsoCheck"]>) => {
        const got = await target.claimSsoCheck(...args);
        if (!got) refusedClaimsOnB++;
        return got;
      };
    },
  });
  replicas = [await startConsoleServer(deps(store), port), await startConsoleServer(deps(countingStore))];
  b = (replicas[1] as { base: string }).base;
}, 30_000);

afterAll(async () => {
  for (const r of replicas) await r.stop();
  provider?.stop();
  await idp?.stop();
  await store?.close();
});

const get = (base: string, path: string, cookie: string) => fetch(`${base}${path}`, { headers: { cookie }, redirect: "manual" });

async function waitFor(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await sleep(20);
  if (!done()) throw new Error(`never happened: ${what}`);
}

/** `/tokens` of the session on both replicas while replica A's check hangs at the provider; then the provider answers. */
async function bothWhileOneHangs(cookie: string): Promise<number[]> {
  clock.offsetMs += RECHECK_MS + 1e3;
  let release: () => void = () => undefined;
  idp.stall = new Promise<void>((r) => {
    release = r;
  });
  const stalled = idp.stalledRequests;
  const refused = refusedClaimsOnB;
  try {
    const onA = get(a, "/tokens", cookie);
    await waitFor("replica A's check reached the provider", () => idp.stalledRequests > stalled);
    const onB = get(b, "/tokens", cookie);
    await waitFor("replica B found the check taken", () => refusedClaimsOnB > refused);
    idp.stall = undefined;
    release();
    return [(await onA).status, (await onB).status];
  } finally {
    idp.stall = undefined;
    release();
  }
}

describe("an SSO session checked on two replicas", () => {
  it("attack: an admin taken out of the group at the provider is not answered as admin on the other replica while the check hangs", async () => {
    const { cookie } = await signInThroughProvider(a, "corp", "ada");
    expect((await get(b, "/tokens", cookie)).status).toBe(200);
    accounts.ada = { groups: ["eng"] };
    expect(await bothWhileOneHangs(cookie)).toEqual([403, 403]);
  });

  it("control: an unchanged admin keeps admin on both, the provider asked once (the refresh token used once)", async () => {
    const { cookie } = await signInThroughProvider(a, "corp", "otto");
    const refreshes = idp.counts.refresh;
    expect(await bothWhileOneHangs(cookie)).toEqual([200, 200]);
    expect(idp.counts.refresh).toBe(refreshes + 1);
    // And the next check on the other replica works with the rotated token.
    clock.offsetMs += RECHECK_MS + 1e3;
    expect((await get(b, "/tokens", cookie)).status).toBe(200);
    expect(idp.counts.refresh).toBe(refreshes + 2);
  });
});

import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { ssoConsole } from "../support/sso-console.js";

/**
 * Two replicas of the console over one store, one SSO session: while one replica's check with the
 * provider hangs, a request of the same session on the other is not answered on the groups the
 * provider was due to confirm; it waits for that check's answer (and never asks with the same
 * refresh token a second time). A real oidc-provider, rotating refresh tokens; the consoles' clock
 * is moved, never waited for. Groups: platform → admin, eng → viewer.
 */
const RECHECK_MS = 5 * 60e3;
/** Claims replica B asked for and did not get (another request holds the session's check). */
let refusedClaimsOnB = 0;
const accounts: Record<string, { groups: string[]; disabled?: boolean }> = {
  ada: { groups: ["platform"] },
  otto: { groups: ["platform"] },
};
// Replica B's store counts the claims it was refused (what the test waits for, not a time).
const counting = (store: Store) =>
  new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== "claimSsoCheck") return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<Store["claimSsoCheck"]>) => {
        const got = await target.claimSsoCheck(...args);
        if (!got) refusedClaimsOnB++;
        return got;
      };
    },
  });
const sso = ssoConsole({
  prefix: "sluice-sso-replicas-",
  accounts,
  idp: { refreshTokens: { rotate: true } },
  settings: { roles: { admin: ["platform"], viewer: ["eng"] } },
  replicas: [(s) => s, counting],
});
const { clock } = sso;
const get = (base: string, path: string, cookie: string) => sso.get(path, cookie, base);
/** The second replica's address. */
const b = () => sso.bases[1] as string;

async function waitFor(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await sleep(20);
  if (!done()) throw new Error(`never happened: ${what}`);
}

/** `/tokens` of the session on both replicas while replica A's check hangs at the provider; then the provider answers. */
async function bothWhileOneHangs(cookie: string): Promise<number[]> {
  clock.offsetMs += RECHECK_MS + 1e3;
  let release: () => void = () => undefined;
  sso.idp.stall = new Promise<void>((r) => {
    release = r;
  });
  const stalled = sso.idp.stalledRequests;
  const refused = refusedClaimsOnB;
  try {
    const onA = get(sso.base, "/tokens", cookie);
    await waitFor("replica A's check reached the provider", () => sso.idp.stalledRequests > stalled);
    const onB = get(b(), "/tokens", cookie);
    await waitFor("replica B found the check taken", () => refusedClaimsOnB > refused);
    sso.idp.stall = undefined;
    release();
    return [(await onA).status, (await onB).status];
  } finally {
    sso.idp.stall = undefined;
    release();
  }
}

describe("an SSO session checked on two replicas", () => {
  it("attack: an admin taken out of the group at the provider is not answered as admin on the other replica while the check hangs", async () => {
    const cookie = await sso.signIn("ada");
    expect((await get(b(), "/tokens", cookie)).status).toBe(200);
    accounts.ada = { groups: ["eng"] };
    expect(await bothWhileOneHangs(cookie)).toEqual([403, 403]);
  });

  it("control: an unchanged admin keeps admin on both, the provider asked once (the refresh token used once)", async () => {
    const cookie = await sso.signIn("otto");
    const refreshes = sso.idp.counts.refresh;
    expect(await bothWhileOneHangs(cookie)).toEqual([200, 200]);
    expect(sso.idp.counts.refresh).toBe(refreshes + 1);
    // And the next check on the other replica works with the rotated token.
    clock.offsetMs += RECHECK_MS + 1e3;
    expect((await get(b(), "/tokens", cookie)).status).toBe(200);
    expect(sso.idp.counts.refresh).toBe(refreshes + 2);
  });
});

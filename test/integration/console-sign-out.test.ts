import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { createGitHubSignIn } from "../../src/vcs/github/github-sign-in.js";
import { type Simulator, startSimulator } from "../simulator/github-simulator.js";
import { startConsoleServer } from "../support/console-server.js";
import { signIn } from "../support/console-sign-in.js";
import { testDir } from "../support/temp-dir.js";

/**
 * Sign-out ends the session on every replica: what someone leaving a shared machine relies on.
 * It needs the session and its CSRF token, nothing of GitHub: asked what the user may read, a
 * GitHub that does not answer (down, rate-limited) kept the session open.
 */
const dataDir = testDir("sluice-sign-out-");
let sim: Simulator;
let store: Store;
let consoleServer: Awaited<ReturnType<typeof startConsoleServer>>;
let base: string;

beforeAll(async () => {
  sim = await startSimulator({ webhookSecret: "whsec-sign-out" });
  await sim.createRepo({ owner: "acme", name: "infra", files: { "net/main.tf": "" } });
  store = await openStore(undefined, dataDir);
  const oauth = { clientId: sim.oauthClientId, clientSecret: sim.oauthClientSecret };
  consoleServer = await startConsoleServer((url) => ({
    store,
    env: { publicUrl: url, oauth, sessionSecret: "s".repeat(32) },
    signIn: createGitHubSignIn({ ...oauth, baseUrl: `http://${sim.host}/api/v3` }),
    githubWebUrl: `http://${sim.host}`,
    // GitHub asked on every request: the test needs no cache to expire.
    accessTtlMs: 0,
  }));
  base = consoleServer.base;
});

afterAll(async () => {
  await consoleServer?.stop();
  await store?.close();
  await sim?.stop();
});

/** A signed-in cookie and the CSRF token of its pages' forms. */
async function session(login: string): Promise<{ cookie: string; csrf: string }> {
  sim.setPermission("acme/infra", login, "write");
  const cookie = await signIn(base, login);
  const page = await (await fetch(`${base}/locks`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error("no CSRF token on the page");
  return { cookie, csrf };
}

const signOut = (cookie: string, csrf: string) =>
  fetch(`${base}/logout`, {
    method: "POST",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: csrf }),
    redirect: "manual",
  });

const opens = async (cookie: string) => (await fetch(`${base}/locks`, { headers: { cookie }, redirect: "manual" })).status === 200;

describe("signing out of the console", () => {
  it("attack: ends the session while GitHub does not answer", async () => {
    const { cookie, csrf } = await session("bob");
    expect(await opens(cookie)).toBe(true);
    sim.failNext({ pathPattern: /\/user\/installations/, status: 503, times: 50 });
    try {
      const r = await signOut(cookie, csrf);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain("You are signed out");
    } finally {
      sim.clearFaults();
    }
    // GitHub answers again: the copy of the cookie opens nothing.
    expect(await opens(cookie)).toBe(false);
  });

  it("still needs the session's CSRF token, and ends it when GitHub answers (control)", async () => {
    const { cookie, csrf } = await session("carol");
    expect((await signOut(cookie, "forged")).status).toBe(403);
    expect(await opens(cookie)).toBe(true);
    expect((await signOut(cookie, csrf)).status).toBe(200);
    expect(await opens(cookie)).toBe(false);
    // No session: nothing to sign out of.
    expect((await signOut("", csrf)).status).toBe(401);
  });
});

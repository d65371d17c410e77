import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Simulator } from "../simulator/github-simulator.js";
import { type GitHubConsole, startGitHubConsole } from "../support/github-console.js";
import { signIn } from "../support/console-sign-in.js";
import { testDir } from "../support/temp-dir.js";

/**
 * Sign-out ends the session on every replica: what someone leaving a shared machine relies on.
 * It needs the session and its CSRF token, nothing of GitHub: asked what the user may read, a
 * GitHub that does not answer (down, rate-limited) kept the session open.
 */
const dataDir = testDir("sluice-sign-out-");
let app: GitHubConsole;
let sim: Simulator;
let base: string;

beforeAll(async () => {
  // GitHub asked on every request: the test needs no cache to expire.
  app = await startGitHubConsole(dataDir, ["infra"], { accessTtlMs: 0 });
  ({ sim, base } = app);
});

afterAll(async () => {
  await app?.stop();
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

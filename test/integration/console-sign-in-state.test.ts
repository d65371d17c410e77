import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubConsole, startGitHubConsole } from "../support/github-console.js";
import { testDir } from "../support/temp-dir.js";

/**
 * GitHub's sign-in comes back to /login/callback with the state this browser's /login kept. Any
 * link can carry any state: one of the same number of characters with one past ASCII (longer in
 * bytes) made the constant-time comparison throw, and the console answered 500 instead of saying
 * the link is not this browser's sign-in.
 */
const dataDir = testDir("sluice-sign-in-state-");
let app: GitHubConsole;

beforeAll(async () => {
  app = await startGitHubConsole(dataDir, ["infra"]);
});

afterAll(async () => {
  await app?.stop();
});

/** A started sign-in: its cookie, its state, and the callback GitHub answers with (a real code). */
async function startedSignIn(login: string): Promise<{ cookie: string; state: string; callback: URL }> {
  const start = await fetch(`${app.base}/login`, { redirect: "manual" });
  const cookie = (start.headers.get("set-cookie") ?? "").split(";")[0] as string;
  const authorize = new URL(start.headers.get("location") as string);
  const state = authorize.searchParams.get("state") as string;
  authorize.searchParams.set("login", login);
  const back = await fetch(authorize, { redirect: "manual" });
  return { cookie, state, callback: new URL(back.headers.get("location") as string) };
}

describe("the GitHub sign-in callback", () => {
  it("attack: a state of as many characters, one past ASCII, is refused as another sign-in's, not answered 500", async () => {
    const { cookie, state, callback } = await startedSignIn("mallory");
    callback.searchParams.set("state", `é${state.slice(1)}`);
    const r = await fetch(callback, { redirect: "manual", headers: { cookie } });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain("This sign-in link is not the one this browser started");
  });

  it("signs in with the state this browser's sign-in kept (control)", async () => {
    const { cookie, callback } = await startedSignIn("alice");
    const r = await fetch(callback, { redirect: "manual", headers: { cookie } });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/");
  });
});

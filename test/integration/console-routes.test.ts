import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { createGitHubSignIn } from "../../src/vcs/github/github-sign-in.js";
import { startConsoleServer } from "../support/console-server.js";
import { testDir } from "../support/temp-dir.js";

/**
 * Which method each of the console's paths answers, and how it answers someone not signed in:
 * a page sends them to sign in, an action refuses in JSON, a path that is not the console's is
 * left to the app (404 here), a method the path does not take is a 405.
 */
const dataDir = testDir("sluice-console-routes-");
let store: Store;
let stop: () => Promise<void>;
let base: string;

beforeAll(async () => {
  store = await openStore(undefined, dataDir);
  const oauth = { clientId: "Iv1.routes", clientSecret: "not-used" };
  ({ base, stop } = await startConsoleServer((url) => ({
    store,
    env: { publicUrl: url, sessionSecret: "s".repeat(32), metricsToken: "m-token", oauth },
    // Only its first step runs (the redirect to GitHub): nothing is asked of GitHub.
    signIn: createGitHubSignIn({ ...oauth, baseUrl: "https://github.invalid/api/v3" }),
  })));
});

afterAll(async () => {
  await stop?.();
  await store?.close();
});

const statusOf = async (method: string, path: string, headers: Record<string, string> = {}) => {
  const r = await fetch(`${base}${path}`, { method, headers, redirect: "manual" });
  await r.arrayBuffer();
  return r.status;
};

describe("the console's routes", () => {
  it("each path answers its methods only: 405 for the others, the app's 404 for paths not its own", async () => {
    const cases: [string, string, number][] = [
      ["POST", "/", 405],
      ["POST", "/locks", 405],
      ["PUT", "/locks/unlock", 405],
      ["GET", "/previews/destroy", 405],
      ["GET", "/drift/pause", 405],
      ["GET", "/pause", 405],
      ["GET", "/logout", 405],
      ["DELETE", "/tokens", 405],
      ["GET", "/tokens/revoke", 405],
      ["POST", "/settings", 405],
      ["POST", "/audit", 405],
      ["POST", "/audit.csv", 405],
      ["POST", "/audit/deliveries.json", 405],
      ["GET", "/audit/deliveries/redeliver", 405],
      ["POST", "/login", 405],
      ["POST", "/login/github", 405],
      ["POST", "/login/callback", 405],
      ["POST", "/login/sso/corp", 405],
      ["POST", "/login/sso/corp/callback", 405],
      ["POST", "/metrics", 405],
      ["POST", "/assets/console.css", 405],
      ["HEAD", "/jobs/1/events", 405],
      ["POST", "/jobs/1", 405],
      ["GET", "/jobs/1234567890123", 404],
      ["GET", "/login/sso/Corp", 404],
      ["GET", "/nowhere", 404],
      ["GET", "/assets/other.js", 404],
    ];
    const got = [];
    for (const [method, path] of cases) got.push([method, path, await statusOf(method, path)]);
    expect(got).toEqual(cases);
  });

  it("someone not signed in is sent to sign in from a page, refused in JSON by an action (control: the routes exist)", async () => {
    for (const path of ["/", "/locks", "/locks/unlock", "/previews", "/tokens", "/settings", "/audit", "/audit/deliveries", "/jobs/1"])
      expect([path, await statusOf("GET", path)]).toEqual([path, 302]);
    for (const path of [
      "/locks/unlock",
      "/previews/destroy",
      "/drift/pause",
      "/pause",
      "/tokens",
      "/tokens/revoke",
      "/audit/deliveries/redeliver",
    ])
      expect([path, await statusOf("POST", path)]).toEqual([path, 401]);
    for (const path of ["/audit.csv", "/audit.json", "/audit/deliveries.json", "/jobs/1/events"])
      expect([path, await statusOf("GET", path)]).toEqual([path, 401]);
  });

  it("the assets are served to anyone, the metrics to the token's holder only", async () => {
    for (const path of ["/assets/console.css", "/assets/job.js", "/assets/ansi_up.js"]) {
      expect([path, await statusOf("GET", path)]).toEqual([path, 200]);
      expect([path, await statusOf("HEAD", path)]).toEqual([path, 200]);
    }
    expect(await statusOf("GET", "/metrics")).toBe(401);
    expect(await statusOf("GET", "/metrics", { authorization: "Bearer m-tokeN" })).toBe(401);
    expect(await statusOf("GET", "/metrics", { authorization: "Bearer m-token" })).toBe(200);
  });
});

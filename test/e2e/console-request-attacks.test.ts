import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulatorAppEnv } from "../simulator/app-env.js";
import { startSimulator } from "../simulator/github-simulator.js";
import { type AppProcess, removeDir, startApp } from "../support/start-app.js";

// The app's one port serves webhooks, /healthz and the console to anyone who can reach it: a
// request no one signed in for must never take the process down.

/** Sends one raw HTTP/1.1 request line and returns the status line answered (or how it ended). */
function rawRequest(port: number, target: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let answer = "";
    socket.on("data", (d: Buffer) => (answer += d.toString()));
    socket.on("error", (e) => resolve(`error: ${e.message}`));
    socket.on("close", () => resolve(answer.split("\r\n")[0] || "closed without an answer"));
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

describe("a request target the console cannot parse as a URL", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let app: AppProcess;
  beforeAll(async () => {
    const secret = `whsec-${randomBytes(12).toString("hex")}`;
    const sim = await startSimulator({ webhookSecret: secret });
    cleanups.push(() => sim.stop());
    app = await startApp({ env: simulatorAppEnv(sim, secret) });
    cleanups.push(() => removeDir(app.dataDir));
    cleanups.push(() => app.kill());
  }, 120_000);
  afterAll(async () => {
    for (const stop of cleanups.reverse()) await stop();
  });

  it("is answered 400, and the server keeps serving (control: an ordinary unknown path is a 404)", async () => {
    expect(await rawRequest(app.port, "/no-such-page")).toMatch(/^HTTP\/1\.1 404/);
    // Node accepts these absolute-form targets; WHATWG's URL parser refuses them.
    for (const target of ["http://[", "http://[::1", "https://%/"]) {
      expect(await rawRequest(app.port, target)).toMatch(/^HTTP\/1\.1 400/);
    }
    await new Promise((r) => setTimeout(r, 300));
    const health = await fetch(`${app.url}/healthz`, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.status,
      (e: unknown) => String(e),
    );
    expect(health).toBe(200);
    expect(app.output()).not.toMatch(/ERR_INVALID_URL|Unhandled|TypeError: Invalid URL/);
  }, 60_000);
});

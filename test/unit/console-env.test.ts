import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConsoleEnvError, consoleSecrets, readConsoleEnv } from "../../src/console/console-env.js";
import { EnvError } from "../../src/config/env-config.js";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("readConsoleEnv", () => {
  it("generates the session key once, keeps it in the data dir (0600), and reuses it", async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-console-env-"));
    const data = join(dir, "data");
    const first = readConsoleEnv({}, data);
    expect(first.sessionSecret).toMatch(/^[0-9a-f]{64}$/);
    expect((await readFile(join(data, "session-secret"), "utf8")).trim()).toBe(first.sessionSecret);
    expect((await stat(join(data, "session-secret"))).mode & 0o777).toBe(0o600);
    expect(readConsoleEnv({}, data).sessionSecret).toBe(first.sessionSecret);
    expect(first.oauth).toBeUndefined();
    expect(first.publicUrl).toBeUndefined();
  });

  it("reads the OAuth client, public URL and metrics token; refuses a short key or a bad URL", () => {
    const env = readConsoleEnv(
      {
        GITHUB_CLIENT_ID: "Iv1.abc",
        GITHUB_CLIENT_SECRET: "s3cret",
        SLUICE_PUBLIC_URL: "https://sluice.example.com/",
        SLUICE_SESSION_SECRET: "k".repeat(32),
        SLUICE_METRICS_TOKEN: "m",
      },
      "/nonexistent",
    );
    expect(env).toEqual({
      publicUrl: "https://sluice.example.com",
      oauth: { clientId: "Iv1.abc", clientSecret: "s3cret" },
      sessionSecret: "k".repeat(32),
      metricsToken: "m",
    });
    expect(consoleSecrets(env)).toEqual(["s3cret", "k".repeat(32), "m"]);
    expect(() => readConsoleEnv({ SLUICE_SESSION_SECRET: "short" }, "/nonexistent")).toThrow(/SLUICE_SESSION_SECRET: must be at least 32/);
    expect(() => readConsoleEnv({ SLUICE_SESSION_SECRET: "k".repeat(32), SLUICE_PUBLIC_URL: "ftp://x" }, "/nonexistent")).toThrow(
      ConsoleEnvError,
    );
    // A configuration error: main exits with code 2.
    expect(() => readConsoleEnv({ SLUICE_SESSION_SECRET: "x" }, "/nonexistent")).toThrow(EnvError);
  });
});

import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
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

  it("never starts with a session key the file holds too short: an empty one is made anew, a short one refused by name", async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-console-env-"));
    const data = join(dir, "data");
    await mkdir(data);
    // Attack (or accident): a start stopped between creating the file and writing it, or a full
    // disk, left it empty. Read as the key, "" made every console request fail (iron-session
    // refuses a key under 32 characters), at this start and every later one.
    await writeFile(join(data, "session-secret"), "", { mode: 0o600 });
    const made = readConsoleEnv({}, data).sessionSecret;
    expect(made).toMatch(/^[0-9a-f]{64}$/);
    expect((await readFile(join(data, "session-secret"), "utf8")).trim()).toBe(made);
    expect((await stat(join(data, "session-secret"))).mode & 0o777).toBe(0o600);
    // A short key written by hand is refused at start, naming the file, as a short variable is.
    await writeFile(join(data, "session-secret"), "hunter2\n");
    expect(() => readConsoleEnv({}, data)).toThrow(ConsoleEnvError);
    expect(() => readConsoleEnv({}, data)).toThrow(/session-secret.*32 characters/);
    // Control: a key of 32 characters and more is kept as it is.
    await writeFile(join(data, "session-secret"), `${"k".repeat(40)}\n`);
    expect(readConsoleEnv({}, data).sessionSecret).toBe("k".repeat(40));
  });
});

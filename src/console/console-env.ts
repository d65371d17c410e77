import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EnvError } from "../config/env-config.js";

/** The console's settings from the environment (see docs/design.md, "Console"). */
export interface ConsoleEnv {
  /** SLUICE_PUBLIC_URL without a trailing slash. */
  publicUrl?: string;
  /** The App's OAuth client; without it the console answers every page with how to set it up. */
  oauth?: { clientId: string; clientSecret: string };
  sessionSecret: string;
  metricsToken?: string;
}

/** The session key: SLUICE_SESSION_SECRET, or one generated once and kept in the data dir. */
function sessionSecret(env: NodeJS.ProcessEnv, dataDir: string): string {
  const given = env.SLUICE_SESSION_SECRET;
  if (given) {
    // iron-session seals with a key of at least 32 characters.
    if (given.length < 32) throw new ConsoleEnvError("SLUICE_SESSION_SECRET: must be at least 32 characters");
    return given;
  }
  const file = join(dataDir, "session-secret");
  const kept = keptSecret(file);
  if (kept) {
    if (kept.length < 32)
      throw new ConsoleEnvError(
        `${file}: the session key there is shorter than 32 characters: remove the file (a new one is generated) or set SLUICE_SESSION_SECRET`,
      );
    return kept;
  }
  // None, or an empty file (a start stopped between creating it and writing it, a full disk):
  // read as the key, "" failed every request, at this start and every later one. Made anew; a
  // write that fails leaves no file behind, and the start fails saying why.
  const secret = randomBytes(32).toString("hex");
  mkdirSync(dataDir, { recursive: true });
  if (kept === "") rmSync(file, { force: true });
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (e) {
    // Another process wrote it first: use theirs.
    const theirs = (e as NodeJS.ErrnoException).code === "EEXIST" ? keptSecret(file) : undefined;
    if (theirs && theirs.length >= 32) return theirs;
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") rmSync(file, { force: true });
    throw new ConsoleEnvError(`${file}: could not write the console's session key (${(e as Error).message}); or set SLUICE_SESSION_SECRET`);
  }
}

/** The key the file holds ("" when it is empty), or undefined when there is no file. */
function keptSecret(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConsoleEnvError(`${file}: could not read the console's session key (${(e as Error).message})`);
  }
}

/** A configuration error (exit code 2), like the rest of the environment's. */
export class ConsoleEnvError extends EnvError {
  override name = "ConsoleEnvError";
}

/** The console's secrets, for the redactor: a PR's code can read this process's environment and data dir. */
export function consoleSecrets(env: ConsoleEnv): string[] {
  return [env.oauth?.clientSecret, env.sessionSecret, env.metricsToken].filter((s): s is string => Boolean(s));
}

export function readConsoleEnv(env: NodeJS.ProcessEnv, dataDir: string): ConsoleEnv {
  let publicUrl: string | undefined;
  if (env.SLUICE_PUBLIC_URL) {
    try {
      const u = new URL(env.SLUICE_PUBLIC_URL);
      if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("not http(s)");
      publicUrl = u.href.replace(/\/+$/, "");
    } catch {
      throw new ConsoleEnvError(`SLUICE_PUBLIC_URL: not an http(s) URL: ${env.SLUICE_PUBLIC_URL}`);
    }
  }
  const clientId = env.GITHUB_CLIENT_ID;
  const clientSecret = env.GITHUB_CLIENT_SECRET;
  return {
    publicUrl,
    oauth: clientId && clientSecret ? { clientId, clientSecret } : undefined,
    sessionSecret: sessionSecret(env, dataDir),
    metricsToken: env.SLUICE_METRICS_TOKEN || undefined,
  };
}

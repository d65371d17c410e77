import { createPrivateKey } from "node:crypto";
import { resolve } from "node:path";
import { errorMessage } from "../util/errors.js";

/** Settings from the environment (the Probot conventions plus Sluice's own). */
export interface EnvConfig {
  appId: string;
  privateKey: string;
  webhookSecret: string;
  /** Base URL of the REST API, e.g. https://api.github.com or http://127.0.0.1:PORT/api/v3. */
  baseUrl?: string;
  port: number;
  host: string;
  logLevel: string;
  dataDir: string;
  /**
   * SLUICE_WORKTREE_DIR: where the PRs' worktrees are written (unset: the data dir). Worktrees are
   * written for every job and discarded after it, so a tmpfs here saves the disk that churn.
   */
  worktreeDir?: string;
  serverConfigPath?: string;
  databaseUrl?: string;
  /** SLUICE_PUBLIC_URL: where GitHub and browsers reach this server (no trailing slash). */
  publicUrl?: string;
  /** WEBHOOK_PROXY_URL: a smee.io channel whose deliveries this process relays to itself. */
  webhookProxyUrl?: string;
}

export class EnvError extends Error {
  override name = "EnvError";
}

/** Probot-style GHE settings to an API base URL (GHE_HOST + GHE_PROTOCOL → PROTOCOL://HOST/api/v3). */
export function apiBaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.GHE_HOST) return undefined;
  const protocol = env.GHE_PROTOCOL || "https";
  return `${protocol}://${env.GHE_HOST}/api/v3`;
}

/** pino's levels; anything else would make pino throw at the first log line instead of at start. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/**
 * The app's key is parsed at start, so a truncated paste or a wrong file stops Sluice with the
 * variable's name instead of failing at the first webhook. The message never quotes the key.
 */
export function checkPrivateKey(pem: string, variable: string): void {
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch (e) {
    const reason = errorMessage(e).replace(/^error:[0-9A-F]+:/i, "");
    throw new EnvError(
      `${variable}: not a valid PEM private key (${reason}); use the .pem file GitHub generated for the app, or its base64`,
    );
  }
  if (type !== "rsa") throw new EnvError(`${variable}: a GitHub App key is an RSA key; this one is ${type ?? "of an unknown type"}`);
}

/** Only the scheme and host are named in errors: the URL usually carries a password. */
export function checkDatabaseUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EnvError(
      "DATABASE_URL: not a URL; use postgres://user:password@host:5432/db, or leave it unset for the embedded SQLite store",
    );
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new EnvError(
      `DATABASE_URL: unsupported scheme "${url.protocol}"; use postgres://user:password@host:5432/db, or leave it unset for the embedded SQLite store`,
    );
  }
  if (!url.hostname && !url.searchParams.get("host"))
    throw new EnvError("DATABASE_URL: no host; use postgres://user:password@host:5432/db");
}

/** An http(s) URL, or a configuration error naming the variable. */
export function checkHttpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EnvError(`${name}: not a URL: "${value.slice(0, 200)}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new EnvError(`${name}: must be an http(s) URL, got "${url.protocol}"`);
  return value.replace(/\/+$/, "");
}

export function readEnvConfig(env: NodeJS.ProcessEnv, readFile: (path: string) => string): EnvConfig {
  const missing: string[] = [];
  if (!env.WEBHOOK_SECRET) missing.push("WEBHOOK_SECRET (webhooks cannot be verified without it)");
  if (!env.APP_ID) missing.push("APP_ID");
  let privateKey = env.PRIVATE_KEY;
  if (!privateKey && env.PRIVATE_KEY_PATH) {
    try {
      privateKey = readFile(env.PRIVATE_KEY_PATH);
    } catch {
      throw new EnvError(`PRIVATE_KEY_PATH: cannot read ${env.PRIVATE_KEY_PATH}`);
    }
  }
  if (!privateKey) missing.push("PRIVATE_KEY or PRIVATE_KEY_PATH");
  if (missing.length) throw new EnvError(`missing required environment: ${missing.join(", ")}`);
  // Probot accepts a base64-encoded key for platforms without multi-line variables.
  if (privateKey && !privateKey.includes("-----BEGIN")) {
    privateKey = Buffer.from(privateKey, "base64").toString("utf8");
  }
  // One-line variables often carry the key's line breaks as the two characters \n.
  if (privateKey && !privateKey.includes("\n") && privateKey.includes("\\n")) privateKey = privateKey.replaceAll("\\n", "\n");
  checkPrivateKey(privateKey as string, env.PRIVATE_KEY ? "PRIVATE_KEY" : "PRIVATE_KEY_PATH");
  const logLevel = env.LOG_LEVEL || "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new EnvError(`LOG_LEVEL: "${logLevel.slice(0, 40)}" is not a log level; use one of ${LOG_LEVELS.join(", ")}`);
  }
  if (env.DATABASE_URL) checkDatabaseUrl(env.DATABASE_URL);
  const publicUrl = env.SLUICE_PUBLIC_URL ? checkHttpUrl("SLUICE_PUBLIC_URL", env.SLUICE_PUBLIC_URL) : undefined;
  const webhookProxyUrl = env.WEBHOOK_PROXY_URL ? checkHttpUrl("WEBHOOK_PROXY_URL", env.WEBHOOK_PROXY_URL) : undefined;
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new EnvError(`PORT: not a port number: ${env.PORT}`);
  return {
    appId: env.APP_ID as string,
    privateKey: privateKey as string,
    webhookSecret: env.WEBHOOK_SECRET as string,
    baseUrl: apiBaseUrl(env),
    port,
    host: env.HOST || "0.0.0.0",
    logLevel,
    dataDir: resolve(env.SLUICE_DATA_DIR || "./data"),
    worktreeDir: env.SLUICE_WORKTREE_DIR ? resolve(env.SLUICE_WORKTREE_DIR) : undefined,
    serverConfigPath: env.SLUICE_SERVER_CONFIG || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    publicUrl,
    webhookProxyUrl,
  };
}

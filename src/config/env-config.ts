import { resolve } from "node:path";

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
  serverConfigPath?: string;
  databaseUrl?: string;
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
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new EnvError(`PORT: not a port number: ${env.PORT}`);
  return {
    appId: env.APP_ID as string,
    privateKey: privateKey as string,
    webhookSecret: env.WEBHOOK_SECRET as string,
    baseUrl: apiBaseUrl(env),
    port,
    host: env.HOST || "0.0.0.0",
    logLevel: env.LOG_LEVEL || "info",
    dataDir: resolve(env.SLUICE_DATA_DIR || "./data"),
    serverConfigPath: env.SLUICE_SERVER_CONFIG || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
  };
}

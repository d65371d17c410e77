import pino, { type Logger } from "pino";
import type { EnvConfig } from "../config/env-config.js";
import type { ServerConfig } from "../config/server-config.js";
import { consoleSecrets, readConsoleEnv } from "../console/console-env.js";
import { createRedactor, type Redactor } from "../util/redact.js";

function safeUrlPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The process's logger: every line passes through the same redaction as comments (the app's own
 * secrets and the configured patterns). Built the same way on the HTTP thread and the job thread.
 */
export function createAppLogger(env: EnvConfig, config: ServerConfig): { log: Logger; logRedact: Redactor } {
  const redactPatterns = config.redact_patterns.map((p) => new RegExp(p, "g"));
  // What a PR's code could read from this process (/proc/PID/environ, files) must never be posted.
  const databasePassword = env.databaseUrl ? safeUrlPassword(env.databaseUrl) : undefined;
  const consoleEnv = readConsoleEnv(process.env, env.dataDir);
  const appSecrets = [
    ...consoleSecrets(consoleEnv),
    env.webhookSecret,
    env.privateKey,
    ...env.privateKey.split(/\r?\n/).filter((line) => line.length >= 16 && !line.startsWith("-----")),
    ...(process.env.PRIVATE_KEY ? [process.env.PRIVATE_KEY] : []),
    ...Object.values(config.secrets)
      .map((ref) => process.env[ref.slice("env:".length)])
      .filter((v): v is string => typeof v === "string" && v.length > 0),
    ...(databasePassword ? [databasePassword] : []),
    // The stream's HMAC key, and receiver URLs (a Slack webhook URL is its own credential).
    ...(config.audit_stream ? [config.audit_stream.secret, config.audit_stream.url] : []),
    ...config.notifications.map((n) => n.url),
    // The SSO providers' client secrets.
    ...config.sso
      .map((p) => process.env[p.client_secret.slice("env:".length)])
      .filter((v): v is string => typeof v === "string" && v.length > 0),
  ];
  const logRedact = createRedactor({ secrets: appSecrets, patterns: redactPatterns });
  const log = pino({
    level: env.logLevel,
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === "string" ? logRedact(a) : a)) as Parameters<typeof method>);
      },
    },
    formatters: {
      log: (obj) => JSON.parse(logRedact(JSON.stringify(obj))) as Record<string, unknown>,
    },
  });
  return { log, logRedact };
}

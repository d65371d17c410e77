import { EnvError } from "../config/env-config.js";

/** Errors that mean "this database cannot be reached or refused us": a configuration problem. */
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNRESET",
  // PostgreSQL: invalid password, invalid authorization, unknown database, starting up.
  "28P01",
  "28000",
  "3D000",
  "57P03",
]);

function codeOf(e: unknown): string | undefined {
  const err = e as { code?: unknown; errors?: unknown[] };
  if (typeof err?.code === "string") return err.code;
  // Node reports a refused connection to every address of a host as one AggregateError.
  const inner = Array.isArray(err?.errors) ? err.errors.map(codeOf).find((c) => c !== undefined) : undefined;
  return inner;
}

/**
 * A PostgreSQL store that cannot be opened because of where DATABASE_URL points (refused,
 * unknown host, wrong password, no such database) becomes a configuration error naming the
 * variable; anything else stays a fault. Only the host and port are named: the URL holds a password.
 */
export function storeOpenError(e: unknown, databaseUrl: string | undefined): unknown {
  if (!databaseUrl) return e;
  const code = codeOf(e);
  if (!code || !CONNECT_CODES.has(code)) return e;
  const message = e instanceof Error && e.message ? e.message : code;
  return new EnvError(`DATABASE_URL: cannot use the PostgreSQL database at ${whereOf(databaseUrl)} (${code}: ${message})`);
}

function whereOf(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname || url.searchParams.get("host") || "localhost"}:${url.port || 5432}${url.pathname}`;
  } catch {
    // checked at start; keep the generic wording
    return "the configured host";
  }
}

/**
 * A database host that drops packets never answers, and the driver has no connect timeout of its
 * own: opening the store at start gives up after `ms` with a configuration error instead of hanging.
 */
export function withOpenTimeout<T>(opening: Promise<T>, databaseUrl: string | undefined, ms = 30_000): Promise<T> {
  if (!databaseUrl) return opening;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new EnvError(`DATABASE_URL: no answer from the PostgreSQL database at ${whereOf(databaseUrl)} within ${Math.round(ms / 1000)} s`),
        ),
      ms,
    );
    timer.unref();
  });
  return Promise.race([opening, timeout]).finally(() => clearTimeout(timer));
}

import { dataPaths } from "../workspace/data-paths.js";
import type { PostgresStoreOptions } from "./postgres-store.js";
import { openSqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";
import type { Store } from "./store.js";

/**
 * Picks the store from `DATABASE_URL`: unset means the embedded SQLite file in the data dir (one
 * replica); a postgres:// URL means the shared database (several replicas).
 */
export async function openStore(
  databaseUrl: string | undefined,
  dataDir: string,
  postgres: PostgresStoreOptions = {},
  sqlite: SqliteStoreOptions = {},
): Promise<Store> {
  if (!databaseUrl) return openSqliteStore(dataPaths.store(dataDir), sqlite);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(databaseUrl)?.[1]?.toLowerCase();
  if (scheme === "postgres" || scheme === "postgresql") {
    // Loaded only here: each of the app's two threads would otherwise hold the driver's code unused.
    const { openPostgresStore } = await import("./postgres-store.js");
    return openPostgresStore(databaseUrl, postgres);
  }
  // Never echo the URL: it usually carries a password.
  throw new Error(
    `DATABASE_URL: unsupported scheme ${scheme ? `"${scheme}:"` : "(none)"}; use postgres://user:password@host:5432/db, or leave it unset for the embedded SQLite store`,
  );
}

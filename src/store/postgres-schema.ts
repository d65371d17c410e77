import pg from "pg";
import { migrate } from "./db/migrate.js";
import { postgresDb, rowTypes } from "./db/postgres-db.js";

/** Brings the shared database's schema up to date (see migrate), on a connection of its own. */
export async function ensurePostgresSchema(config: pg.PoolConfig): Promise<void> {
  const pool = new pg.Pool({ ...config, max: 1, types: rowTypes });
  try {
    await postgresDb(pool).tx((t) => migrate(t));
  } finally {
    await pool.end();
  }
}

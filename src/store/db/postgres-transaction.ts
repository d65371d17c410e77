import type pg from "pg";

/** SQLSTATEs that mean the transaction lost a race and changed nothing: serialization, deadlock. */
const RETRYABLE = new Set(["40001", "40P01"]);
const ATTEMPTS = 5;

/**
 * Runs `fn` in a READ COMMITTED transaction on one pooled client. A transaction the database
 * aborted to break a deadlock is retried from the start, so callers write each transaction as if
 * it ran alone and re-read what they depend on inside it.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (e) {
      try {
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        // A client that cannot roll back is in an unknown state: destroy it rather than reuse it.
        broken = rollbackError as Error;
      }
      const code = (e as { code?: string }).code;
      if (!(code && RETRYABLE.has(code)) || attempt >= ATTEMPTS) throw e;
    } finally {
      client.release(broken);
    }
  }
}

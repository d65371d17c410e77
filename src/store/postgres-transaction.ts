import type pg from "pg";

/** SQLSTATEs worth one more try: the transaction lost a race and changed nothing. */
const RETRYABLE = new Set(["40001", "40P01"]);

export interface TransactionOptions {
  /** Extra SQLSTATEs that mean "lost a race, try again" for this transaction (e.g. 23505). */
  retryOn?: string[];
  attempts?: number;
}

/**
 * Runs `fn` in a READ COMMITTED transaction on one pooled client. A transaction that lost a race
 * (deadlock, or a unique key another replica took first) is retried from the start, so callers
 * write each transaction as if it ran alone and re-read what they depend on.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? 5;
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
      const retry = code !== undefined && (RETRYABLE.has(code) || opts.retryOn?.includes(code));
      if (!retry || attempt >= attempts) throw e;
    } finally {
      client.release(broken);
    }
  }
}

import type Database from "better-sqlite3";

/**
 * A write transaction that takes SQLite's write lock at its start (BEGIN IMMEDIATE). Two
 * connections share the file (the HTTP thread's and the job thread's): a deferred transaction that
 * reads and then writes fails at once with SQLITE_BUSY when the other wrote in between, without
 * waiting for the busy timeout; an immediate one waits its turn instead.
 */
// biome-ignore lint/suspicious/noExplicitAny: the transaction keeps the exact signature of `fn`
export function writeTransaction<F extends (...args: any[]) => unknown>(
  db: Database.Database,
  fn: F,
): Database.Transaction<F>["immediate"] {
  return db.transaction(fn).immediate;
}

import { type FileHandle, open } from "node:fs/promises";
import type Database from "better-sqlite3";
import type { Db, Param, Tx, TxBody } from "./db.js";
import { type GroupCommitOptions, groupCommit } from "./sqlite-group-commit.js";
import { SQLITE_DIALECT } from "./sqlite-dialect.js";
import { sqliteStatements } from "./sqlite-statements.js";

/** The embedded driver, plus what only SQLite can do: run a transaction synchronously. */
export interface SqliteDb extends Db {
  /** Runs `body` in a write transaction now, without group commit (opening the store, before anything else runs). */
  txSync<T>(body: (t: Tx) => TxBody<T>): T;
  readonly raw: Database.Database;
  /** Closes the connection at once, and the WAL handle kept for syncing it when the promise resolves. */
  close(): Promise<void>;
}

/**
 * better-sqlite3 behind the port. Statements are prepared once per SQL text. Transactions take
 * the write lock at their start (BEGIN IMMEDIATE): two connections share the file (the HTTP
 * thread's and the job thread's), and a deferred transaction that reads and then writes fails at
 * once with SQLITE_BUSY when the other wrote in between. Transactions arriving together share one
 * commit (see groupCommit).
 */
export function sqliteDb(
  raw: Database.Database,
  group: GroupCommitOptions,
  opts: {
    syncOffThread?: boolean;
    /**
     * Told when the WAL could not be synced. After a failed fsync the kernel may have dropped the
     * unwritten pages and report the next fsync as a success, so no later commit can be called
     * durable: the process should end and reopen the file (SQLite recovers what is on disk).
     */
    onSyncFailure?: (e: unknown) => void;
  } = {},
): SqliteDb {
  const { wal, syncWal } = walOf(raw, opts.onSyncFailure);
  const syncEachWrite = opts.syncOffThread ? syncWal : undefined;
  const { prepare, all, run, drive } = sqliteStatements(raw);
  const immediate = raw.transaction(<T>(body: (t: Tx) => TxBody<T>) => drive(body)).immediate;
  const grouped = groupCommit(raw, { ...group, afterCommit: syncEachWrite });
  const written = async <T>(value: T): Promise<T> => {
    await syncEachWrite?.();
    return value;
  };

  return {
    dialect: SQLITE_DIALECT,
    raw,
    async all<R>(sql: string, values: Param[] = []) {
      const rows = all(sql, values) as R[];
      return prepare(sql).readonly ? rows : written(rows);
    },
    async get<R>(sql: string, values: Param[] = []) {
      const row = all(sql, values)[0] as R | undefined;
      return prepare(sql).readonly ? row : written(row);
    },
    async run(sql, values = []) {
      return written(run(sql, values));
    },
    tx<T>(body: (t: Tx) => TxBody<T>) {
      return grouped(() => drive(body));
    },
    async durable() {
      // With `synchronous = NORMAL` a commit reaches the WAL without an fsync; syncing the WAL
      // file makes every commit in it durable (a checkpoint syncs the database file itself).
      await syncWal?.();
    },
    close() {
      // The handle after a last sync; the connection now, as before there was a handle to close
      // (its data dir lock can go at once).
      const walClosed = wal?.close() ?? Promise.resolve();
      try {
        raw.close();
      } catch (e) {
        void walClosed.catch(() => undefined);
        throw e;
      }
      return walClosed;
    },
    txSync<T>(body: (t: Tx) => TxBody<T>) {
      return immediate(body) as T;
    },
  };
}

/**
 * The WAL of the connection's file and its sync, which tells `onSyncFailure` once: none for a
 * database in memory.
 */
function walOf(raw: Database.Database, onSyncFailure: ((e: unknown) => void) | undefined) {
  // Durable commits without the fsync on this thread: the connection runs `synchronous = NORMAL`
  // and a write is answered once an fsync of the WAL, in the thread pool, has covered it.
  // Next to the file SQLite opened, not the path it was given: for a database reached through a
  // symlink SQLite puts the WAL beside the real file, and syncing the path's would sync nothing.
  const walMode = !raw.memory && raw.pragma("journal_mode", { simple: true }) === "wal";
  const file = raw.memory
    ? undefined
    : (raw.pragma("database_list") as { name: string; file: string }[]).find((d) => d.name === "main")?.file;
  const wal = file ? walSyncer(`${file}-wal`, () => walMode && raw.open) : undefined;
  let syncFailed = false;
  const syncWal =
    wal &&
    (async () => {
      try {
        await wal.sync();
      } catch (e) {
        // Once: every caller a failed sync was to answer gets its error.
        if (!syncFailed) onSyncFailure?.(e);
        syncFailed = true;
        throw e;
      }
    });
  return { wal, syncWal };
}

/**
 * fsyncs the WAL file in the thread pool, coalesced (see coalesced). A commit a checkpoint moved
 * into the database file before the sync is durable too: the checkpoint synced that file.
 *
 * The file is opened once and kept: SQLite keeps a WAL file (same inode, reset or truncated by
 * checkpoints) while any connection to the database is open, and this connection is until
 * `close`. Opening and closing it around each fsync cost the HTTP thread two more thread-pool
 * round trips per group of deliveries.
 */
export function walSyncer(walFile: string, mustExist: () => boolean): { sync: () => Promise<void>; close: () => Promise<void> } {
  let handle: FileHandle | undefined;
  let closed = false;
  const sync = coalesced(async () => {
    if (closed) return;
    if (!handle) {
      try {
        handle = await open(walFile, "r");
      } catch (e) {
        // No WAL: the database is not in WAL mode (SQLite syncs each commit itself), or its last
        // connection closed and SQLite checkpointed and removed it. Missing while this
        // connection is open in WAL mode, it is an error, never a sync skipped in silence.
        if ((e as NodeJS.ErrnoException).code === "ENOENT" && !mustExist()) return;
        throw e;
      }
    }
    await handle.sync();
  });
  return {
    sync,
    async close() {
      // A last sync covers every commit made before the close; syncs asked for later do nothing.
      await sync().catch(() => undefined);
      closed = true;
      const h = handle;
      handle = undefined;
      await h?.close();
    },
  };
}

/**
 * `run` as callers share it: each caller is answered by the first run that started after it
 * called. One runs at a time, and at most one more waits behind it for everyone who came meanwhile.
 */
export function coalesced(run: () => Promise<void>): () => Promise<void> {
  let inFlight: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const start = (): Promise<void> => {
    const current = run().finally(() => {
      if (inFlight === current) inFlight = undefined;
    });
    inFlight = current;
    return current;
  };
  return () => {
    if (!inFlight) return start();
    queued ??= inFlight
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return start();
      });
    return queued;
  };
}

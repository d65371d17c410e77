import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { KeyedMutex } from "../util/keyed-mutex.js";
import { migrate } from "./db/migrate.js";
import { sqliteDb } from "./db/sqlite-db.js";
import { lockDataDir } from "./data-dir-lock.js";
import { type DeliveriesFirst, signalDeliveries, yieldingToDeliveries } from "./deliveries-first.js";
import { sqlStore } from "./sql-store.js";
import type { Store } from "./store.js";

export interface SqliteStoreOptions {
  /**
   * This process already holds the data dir's lock through another connection: the job thread's
   * own connection, beside the HTTP thread's (one process, two threads, WAL lets both in).
   */
  processLockHeld?: boolean;
  /** The two threads' writes to one file: deliveries before jobs (deliveries-first.ts). */
  deliveriesFirst?: DeliveriesFirst;
  /**
   * `normal`: commits reach the WAL without an fsync each (they survive the process crashing,
   * not the machine); the job thread's, whose records before a tool changes anything are made
   * durable by `Db.durable`. Default `full`: every commit is synced (deliveries acknowledged to GitHub).
   */
  durability?: "full" | "normal";
  /** The WAL could not be synced to disk (see sqliteDb): the caller ends the process. */
  onSyncFailure?: (e: unknown) => void;
}

const BUSY_TIMEOUT_MS = 5000;

/** The embedded store: one SQLite file in the data dir, WAL mode, for a single replica. */
export function openSqliteStore(file: string, opts: SqliteStoreOptions = {}): Store {
  let unlock = () => {};
  if (file !== ":memory:") {
    mkdirSync(dirname(file), { recursive: true });
    if (!opts.processLockHeld) unlock = lockDataDir(file);
  }
  const raw = new Database(file);
  raw.pragma("journal_mode = WAL");
  // `full` is NORMAL on the connection with the WAL synced off the thread before a write is
  // answered (sqliteDb's syncOffThread): as durable as FULL, without blocking the event loop.
  raw.pragma("synchronous = NORMAL");
  raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const waiting = opts.deliveriesFirst?.side === "deliveries" ? signalDeliveries(opts.deliveriesFirst.flag) : undefined;
  const db = sqliteDb(
    raw,
    { busyTimeoutMs: BUSY_TIMEOUT_MS, waiting },
    {
      syncOffThread: opts.durability !== "normal",
      onSyncFailure: opts.onSyncFailure,
    },
  );
  db.txSync((t) => migrate(t));

  // One process per data dir (see data-dir-lock.ts), and only its job thread runs jobs and
  // delivers audit sinks, so what that thread holds in memory is held process-wide.
  const runLocks = new KeyedMutex();
  const sinks = new Set<string>();
  const store = sqlStore({
    db,
    owner: `embedded:${process.pid}:${randomBytes(4).toString("hex")}`,
    // Its only process recovers once, at start: whatever is left running is a previous process's.
    *deadOwners(_t, owners) {
      yield* [];
      return owners;
    },
    runExclusive: (key, fn) => runLocks.run(key, fn),
    async withAuditSink(sink, fn) {
      if (sinks.has(sink)) return { claimed: false };
      sinks.add(sink);
      try {
        return { claimed: true, value: await fn() };
      } finally {
        sinks.delete(sink);
      }
    },
    label: "SQLite",
    async close() {
      let walClosed: Promise<void> | undefined;
      try {
        walClosed = db.close();
      } finally {
        unlock();
      }
      await walClosed;
    },
  });
  return opts.deliveriesFirst?.side === "jobs" ? yieldingToDeliveries(store, opts.deliveriesFirst.flag) : store;
}

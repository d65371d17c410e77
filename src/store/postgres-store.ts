import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import { migrate } from "./db/migrate.js";
import { postgresDb, rowTypes } from "./db/postgres-db.js";
import { postgresAuditSink } from "./postgres-audit-sink.js";
import { listenForJobs } from "./postgres-job-notices.js";
import { anyDeadReplica, deadReplicas, ReplicaLiveness, type StoreLog } from "./postgres-replica-liveness.js";
import { PostgresRunLocks } from "./postgres-run-locks.js";
import { sqlStore } from "./sql-store.js";
import type { Store } from "./store.js";

export interface PostgresStoreOptions {
  /** Readable start of this replica's owner id (default: host name); pid and random bits follow. */
  replicaName?: string;
  /** Connections for queries (default 8). */
  poolSize?: number;
  /** Connections that hold run locks (default 16): as many as projects this replica runs at once. */
  runLockSessions?: number;
  log?: StoreLog;
}

export type PostgresStore = Store & {
  /** This replica's id, recorded on the jobs it claims and the applies it starts. */
  readonly owner: string;
};

const consoleLog: StoreLog = { warn: (obj, msg) => console.warn(msg, obj) };

/**
 * The shared store, for several replicas on one PostgreSQL database.
 *
 * Concurrency: READ COMMITTED with row locks and unique keys, not SERIALIZABLE. Every invariant
 * is about one row or one unique key (a delivery id, a project lock, a pending plan, a PR
 * operation), which INSERT ... ON CONFLICT, conditional updates and SKIP LOCKED settle directly;
 * SERIALIZABLE would add whole-transaction retries and false-positive aborts under load for no
 * invariant we need. Where there is no row to lock yet (the first save of a plan key, the locks
 * of one dir + workspace), transactions take turns on a transaction-scoped advisory lock; a
 * transaction that still loses a race (deadlock) is retried.
 *
 * Recovery: jobs, applies and results carry the `owner` that claimed, started or kept them;
 * recovery only touches rows whose owner is dead (see ReplicaLiveness), so a replica restarting
 * never interrupts work another live replica is doing. Recovered rows are adopted (owner = this
 * replica) in the same transaction, so each goes to one replica only.
 */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const log = opts.log ?? consoleLog;
  const owner = `${opts.replicaName ?? hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const config: pg.PoolConfig = { connectionString: url, keepAlive: true };
  const pool = new pg.Pool({ ...config, max: opts.poolSize ?? 8, types: rowTypes });
  const sessions = new pg.Pool({ ...config, max: opts.runLockSessions ?? 16 });
  // Idle clients can fail (database restart): pg-pool drops them, but emits on the pool, and an
  // unhandled 'error' event would end the process.
  pool.on("error", (e) => log.warn({ err: e.message }, "idle database connection failed"));
  sessions.on("error", (e) => log.warn({ err: e.message }, "idle run-lock connection failed"));

  const db = postgresDb(pool);
  const liveness = await db
    .tx((t) => migrate(t))
    .then(() => ReplicaLiveness.start(config, owner, log))
    .catch(async (e: unknown) => {
      await Promise.allSettled([pool.end(), sessions.end()]);
      throw e;
    });
  const runLocks = new PostgresRunLocks(sessions);
  const store = sqlStore({
    db,
    owner,
    deadOwners: (t, owners) => deadReplicas(t, owners, owner),
    runExclusive: (key, fn) => runLocks.run(key, fn),
    withAuditSink: postgresAuditSink(pool),
    label: "PostgreSQL",
    watchNewJobs: (notify) => listenForJobs(config, notify, log),
    anyOrphans: () => anyDeadReplica(db, owner),
    async close() {
      // Alive until the very end: work still in flight is never mistaken for a dead replica's.
      await Promise.all([pool.end(), sessions.end()]);
      await liveness.stop();
    },
  });
  return { ...store, owner };
}

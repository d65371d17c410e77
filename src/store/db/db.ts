import type { AdvisoryNamespace } from "../advisory-key.js";

/**
 * The database port: every query of the store is written once, against this, and runs on both
 * drivers (better-sqlite3 for the embedded store, `pg` for the shared one).
 *
 * Writing a query:
 * - `?` placeholders only (rewritten to `$1…` for PostgreSQL); portable SQL: `ON CONFLICT … DO
 *   NOTHING/UPDATE` rather than `INSERT OR IGNORE`, `RETURNING id` rather than last insert ids,
 *   `CAST(? AS TEXT) IS NULL` for an optional filter (PostgreSQL must know the parameter's type).
 * - Parameters: booleans, `undefined` (NULL), Dates (ISO text) and objects (JSON text) are
 *   converted in one place (`toParam`). Timestamps are written by the caller as ISO text.
 * - Rows come back alike from both drivers: JSON columns as text (parse with `json`), times as ISO
 *   strings, 64-bit integers as numbers, booleans as 1/0 (read with `bool`), binaries as Buffers.
 *
 * A transaction is a generator, so it runs inside better-sqlite3's synchronous transactions (and
 * their group commits) as well as in an asynchronous PostgreSQL one:
 *
 *   await db.tx(function* (t) {
 *     const row = yield* t.get<{ n: number }>("SELECT count(*) AS n FROM locks WHERE repo = ?", [repo]);
 *     yield* t.run("INSERT INTO audit_events (…) VALUES (?, …)", [...]);
 *     return row?.n ?? 0;
 *   });
 *
 * A body may only wait on `t`'s operations (nothing else: no network, no timers); it may run more
 * than once (PostgreSQL retries a transaction that lost a deadlock), so it must not have effects
 * outside the database. `t.serialize(namespace, key)` makes transactions on one key take turns
 * (an advisory lock on PostgreSQL; SQLite's write transactions take turns anyway).
 *
 * Adding a table: append a migration to MIGRATIONS (migrations.ts) — never edit one that shipped —
 * writing its DDL once with the dialect's names for the types that truly differ (`d.types.json`,
 * `d.types.time`, …). Both stores run pending migrations when they open (schema_version records
 * the last one applied). Then write the table's queries once in its aggregate's file.
 */
export type DialectName = "sqlite" | "postgres";

export interface Dialect {
  name: DialectName;
  /** Column types that differ between the two databases (everything else is spelled alike). */
  types: {
    /** An integer primary key the database numbers. */
    id: string;
    json: string;
    time: string;
    bool: string;
    bigint: string;
    blob: string;
  };
  /**
   * Ends a SELECT that picks a row of `alias` to claim: rows another transaction is claiming are
   * passed over (PostgreSQL). Only that table's rows are locked, so the SELECT may join aggregates.
   */
  skipLocked(alias: string): string;
  /** Ends a SELECT whose rows the transaction is about to change: they stay as read until it ends (PostgreSQL). */
  forUpdate: string;
}

export type Param = string | number | bigint | boolean | null | undefined | Buffer | Date | object;

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/** One operation a transaction body asks its driver to do. */
export type DbOp =
  | { kind: "all"; sql: string; params: Param[] }
  | { kind: "run"; sql: string; params: Param[] }
  | { kind: "exec"; script: string }
  | { kind: "serialize"; namespace: AdvisoryNamespace; key: string }
  | { kind: "notify"; channel: string; payload: string };

export type TxBody<T> = Generator<DbOp, T, unknown>;

/** What a transaction body can do (each with `yield*`). */
export interface Tx {
  readonly dialect: Dialect;
  all<R>(sql: string, params?: Param[]): TxBody<R[]>;
  get<R>(sql: string, params?: Param[]): TxBody<R | undefined>;
  run(sql: string, params?: Param[]): TxBody<RunResult>;
  /** Runs a script of several statements without parameters (migrations' DDL). */
  exec(script: string): TxBody<void>;
  /** Transactions serializing on the same namespace + key run one after the other. */
  serialize(namespace: AdvisoryNamespace, key: string): TxBody<void>;
  /** Tells listeners on `channel` once the transaction commits (PostgreSQL NOTIFY; nothing on SQLite). */
  notify(channel: string, payload: string): TxBody<void>;
}

export interface Db {
  readonly dialect: Dialect;
  all<R>(sql: string, params?: Param[]): Promise<R[]>;
  get<R>(sql: string, params?: Param[]): Promise<R | undefined>;
  run(sql: string, params?: Param[]): Promise<RunResult>;
  /** Runs `body` in one transaction; it commits when the body returns and rolls back when it throws. */
  tx<T>(body: (t: Tx) => TxBody<T>): Promise<T>;
  /**
   * Makes every commit so far survive a crash of the machine, not only of the process: the
   * barrier before a tool changes infrastructure (a connection that commits with less than a
   * full sync — the embedded job thread's — is made durable here).
   */
  durable(): Promise<void>;
}

/** The operations of a transaction, for any driver: each yields its op and returns the driver's answer. */
export function txOps(dialect: Dialect): Tx {
  return {
    dialect,
    *all<R>(sql: string, params: Param[] = []): TxBody<R[]> {
      return (yield { kind: "all", sql, params }) as R[];
    },
    *get<R>(sql: string, params: Param[] = []): TxBody<R | undefined> {
      const rows = (yield { kind: "all", sql, params }) as R[];
      return rows[0];
    },
    *run(sql: string, params: Param[] = []): TxBody<RunResult> {
      return (yield { kind: "run", sql, params }) as RunResult;
    },
    *exec(script: string): TxBody<void> {
      yield { kind: "exec", script };
    },
    *serialize(namespace: AdvisoryNamespace, key: string): TxBody<void> {
      yield { kind: "serialize", namespace, key };
    },
    *notify(channel: string, payload: string): TxBody<void> {
      yield { kind: "notify", channel, payload };
    },
  };
}

/** A JSON column's value (text on both drivers). */
export function json<T>(value: string): T {
  return JSON.parse(value) as T;
}

/** A boolean column's value (1/0 on both drivers). */
export function bool(value: number | boolean): boolean {
  return value === 1 || value === true;
}

/** `?, ?, ?` for an IN list of `n` values (n ≥ 1). */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => "?").join(", ");
}

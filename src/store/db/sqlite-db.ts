import { closeSync, fsyncSync, openSync } from "node:fs";
import type Database from "better-sqlite3";
import { type Db, type DbOp, type Dialect, type Param, type RunResult, type Tx, type TxBody, txOps } from "./db.js";
import { type GroupCommitOptions, groupCommit } from "./sqlite-group-commit.js";
import { toParam } from "./sql-params.js";

export const SQLITE_DIALECT: Dialect = {
  name: "sqlite",
  types: {
    id: "INTEGER PRIMARY KEY AUTOINCREMENT",
    json: "TEXT",
    time: "TEXT",
    bool: "INTEGER",
    bigint: "INTEGER",
    blob: "BLOB",
  },
  skipLocked: "",
  forUpdate: "",
};

/** The embedded driver, plus what only SQLite can do: run a transaction synchronously. */
export interface SqliteDb extends Db {
  /** Runs `body` in a write transaction now, without group commit (opening the store, before anything else runs). */
  txSync<T>(body: (t: Tx) => TxBody<T>): T;
  readonly raw: Database.Database;
}

const MAX_CACHED_STATEMENTS = 1000;
/** `PRAGMA synchronous` as SQLite reports it: 2 = FULL. */
const FULL = 2;

/**
 * better-sqlite3 behind the port. Statements are prepared once per SQL text. Transactions take
 * the write lock at their start (BEGIN IMMEDIATE): two connections share the file (the HTTP
 * thread's and the job thread's), and a deferred transaction that reads and then writes fails at
 * once with SQLITE_BUSY when the other wrote in between. Transactions arriving together share one
 * commit (see groupCommit).
 */
export function sqliteDb(raw: Database.Database, group: GroupCommitOptions): SqliteDb {
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (!s) {
      if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
      s = raw.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
  const params = (values: Param[]) => values.map((v) => toParam(v, "sqlite"));
  const all = (sql: string, values: Param[]): unknown[] => {
    const s = prepare(sql);
    if (!s.reader) {
      s.run(...params(values));
      return [];
    }
    return s.all(...params(values));
  };
  const run = (sql: string, values: Param[]): RunResult => ({ changes: prepare(sql).run(...params(values)).changes });
  const exec = (op: DbOp): unknown => {
    switch (op.kind) {
      case "all":
        return all(op.sql, op.params);
      case "run":
        return run(op.sql, op.params);
      case "exec":
        raw.exec(op.script);
        return undefined;
      // One process writes through write transactions, which SQLite runs one at a time; nobody listens.
      case "serialize":
      case "notify":
        return undefined;
    }
  };
  const ops = txOps(SQLITE_DIALECT);
  const drive = <T>(body: (t: Tx) => TxBody<T>): T => {
    const gen = body(ops);
    let step = gen.next();
    while (!step.done) step = gen.next(exec(step.value));
    return step.value;
  };
  const immediate = raw.transaction(<T>(body: (t: Tx) => TxBody<T>) => drive(body)).immediate;
  const grouped = groupCommit(raw, group);

  return {
    dialect: SQLITE_DIALECT,
    raw,
    async all<R>(sql: string, values: Param[] = []) {
      return all(sql, values) as R[];
    },
    async get<R>(sql: string, values: Param[] = []) {
      return all(sql, values)[0] as R | undefined;
    },
    async run(sql, values = []) {
      return run(sql, values);
    },
    tx<T>(body: (t: Tx) => TxBody<T>) {
      return grouped(() => drive(body));
    },
    async durable() {
      // With `synchronous = NORMAL` a commit reaches the WAL without an fsync; syncing the WAL
      // file makes every commit in it durable (a checkpoint syncs the database file itself).
      if (raw.memory || raw.pragma("synchronous", { simple: true }) === FULL) return;
      let fd: number | undefined;
      try {
        fd = openSync(`${raw.name}-wal`, "r");
        fsyncSync(fd);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
    txSync<T>(body: (t: Tx) => TxBody<T>) {
      return immediate(body) as T;
    },
  };
}

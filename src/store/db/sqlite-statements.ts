import type Database from "better-sqlite3";
import { type DbOp, type Param, type RunResult, type Tx, type TxBody, txOps } from "./db.js";
import { SQLITE_DIALECT } from "./sqlite-dialect.js";
import { toParam } from "./sql-params.js";

const MAX_CACHED_STATEMENTS = 1000;

/**
 * Statements of one connection, each prepared once per SQL text, and a transaction body driven
 * through them synchronously (the caller holds the transaction).
 */
export function sqliteStatements(raw: Database.Database) {
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
  return { prepare, all, run, drive };
}

import Database from "better-sqlite3";
import { sqliteDb } from "../src/store/db/sqlite-db.js";
import type { BenchOptions } from "./support/bench-options.js";
import { type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { median } from "./support/stats.js";

const SCHEMA = `CREATE TABLE d (id TEXT PRIMARY KEY, job_id INTEGER);
CREATE TABLE j (id INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id TEXT NOT NULL, spec TEXT NOT NULL)`;

/**
 * What the database port costs on the embedded store, per write transaction of three statements
 * (insert a delivery, insert its job, link them), on an in-memory database so that only CPU counts:
 * better-sqlite3's own transaction with prepared statements, against the port's generator
 * transaction run synchronously, awaited one by one (each waits for its group commit's turn of the
 * event loop), and issued 100 at a time (one commit for the lot).
 */
export async function dbPort(opts: BenchOptions): Promise<Figure[]> {
  const n = opts.quick ? 2_000 : 20_000;
  const rounds = opts.quick ? 3 : 5;
  const fresh = () => {
    const raw = new Database(":memory:");
    raw.exec(SCHEMA);
    return raw;
  };
  const spec = JSON.stringify({ kind: "plan", actor: "octocat" });
  const perTx = (t0: number) => ((performance.now() - t0) * 1000) / n;

  const direct: number[] = [];
  const sync: number[] = [];
  const awaited: number[] = [];
  const batched: number[] = [];
  for (let r = 0; r < rounds; r++) {
    {
      const raw = fresh();
      const ins = raw.prepare("INSERT INTO d (id) VALUES (?)");
      const job = raw.prepare("INSERT INTO j (delivery_id, spec) VALUES (?, ?) RETURNING id");
      const link = raw.prepare("UPDATE d SET job_id = ? WHERE id = ?");
      const tx = raw.transaction((id: string) => {
        ins.run(id);
        const { id: jobId } = job.get(id, spec) as { id: number };
        link.run(jobId, id);
      }).immediate;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) tx(`d-${i}`);
      direct.push(perTx(t0));
      raw.close();
    }
    const body = (id: string) =>
      function* (t: Parameters<Parameters<ReturnType<typeof sqliteDb>["tx"]>[0]>[0]) {
        yield* t.run("INSERT INTO d (id) VALUES (?)", [id]);
        const row = yield* t.get<{ id: number }>("INSERT INTO j (delivery_id, spec) VALUES (?, ?) RETURNING id", [id, spec]);
        yield* t.run("UPDATE d SET job_id = ? WHERE id = ?", [row?.id, id]);
      };
    {
      const raw = fresh();
      const db = sqliteDb(raw, { busyTimeoutMs: 5000 });
      const t0 = performance.now();
      for (let i = 0; i < n; i++) db.txSync(body(`d-${i}`));
      sync.push(perTx(t0));
      raw.close();
    }
    {
      const raw = fresh();
      const db = sqliteDb(raw, { busyTimeoutMs: 5000 });
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await db.tx(body(`d-${i}`));
      awaited.push(perTx(t0));
      raw.close();
    }
    {
      const raw = fresh();
      const db = sqliteDb(raw, { busyTimeoutMs: 5000 });
      const t0 = performance.now();
      for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => db.tx(body(`d-${i + k}`))));
      batched.push(perTx(t0));
      raw.close();
    }
  }
  const base = `better-sqlite3 transaction, prepared statements: ${median(direct).toFixed(1)} µs`;
  return [
    figure("db port: SQLite write tx, direct better-sqlite3", median(direct), "µs/tx", undefined, "-"),
    figure("db port: SQLite write tx, generator run synchronously", median(sync), "µs/tx", undefined, base),
    figure("db port: SQLite write tx, awaited one by one", median(awaited), "µs/tx", undefined, base),
    figure("db port: SQLite write tx, 100 at a time (group commit)", median(batched), "µs/tx", undefined, base),
  ];
}

runIfMain(import.meta.url, dbPort);

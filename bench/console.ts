import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { createConsole } from "../src/console/create-console.js";
import { createMetrics } from "../src/console/metrics.js";
import type { SignInPort } from "../src/console/sign-in-port.js";
import { openPostgresStore } from "../src/store/postgres-store.js";
import { openSqliteStore } from "../src/store/sqlite-store.js";
import type { Store } from "../src/store/store.js";
import { postgresAvailability, startPostgres } from "../test/support/postgres.js";
import type { BenchOptions } from "./support/bench-options.js";
import { type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { median, ms } from "./support/stats.js";

const REPOS = 40;
const PROJECTS = 2_000;
const JOBS = 10_000;

/** 10,000 jobs over 2,000 projects in 40 repos, written straight into a fresh store file. */
async function populate(file: string): Promise<void> {
  await openSqliteStore(file).close();
  const db = new Database(file);
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  const project = (i: number) => ({ repo: `acme/repo-${i % REPOS}`, name: `project-${i}` });
  const target = (repo: string, pr: number) =>
    JSON.stringify({ installationId: 1, repo: { owner: "acme", name: repo.split("/")[1] }, cloneUrl: "x", pr });
  db.transaction(() => {
    const job = db.prepare(
      "INSERT INTO jobs (id, delivery_id, target, spec, status, created_at, updated_at, repo, pr, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const stream = db.prepare(
      "INSERT INTO log_streams (job_id, project, repo, pr, kind, bytes, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const chunk = db.prepare("INSERT INTO job_logs (job_id, seq, project, text) VALUES (?, ?, ?, ?)");
    const plan = db.prepare(
      "INSERT INTO plans (repo, pr, project, dir, workspace, runner, head_sha, base_sha, plan_path, plan_hash, summary, status, job_id, created_at) VALUES (?, ?, ?, ?, 'default', 'terraform', ?, 'b', 'p', 'h', ?, ?, ?, ?)",
    );
    const apply = db.prepare(
      "INSERT INTO applies (job_id, repo, pr, project, plan_id, status, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const summary = JSON.stringify({
      add: 2,
      change: 1,
      destroy: 0,
      replace: 0,
      move: 0,
      import: 0,
      forget: 0,
      resources: [],
      moves: [],
      outputs: [],
      hasChanges: true,
    });
    const lastPlan = new Map<string, number>();
    for (let id = 1; id <= JOBS; id++) {
      const p = project(id % PROJECTS);
      const pr = 1 + (id % 500);
      const kind = id % 5 === 0 ? "apply" : "plan";
      const status = id > JOBS - 20 ? "running" : id % 37 === 0 ? "failed" : "done";
      job.run(
        id,
        `d-${id}`,
        target(p.repo, pr),
        JSON.stringify({ kind, trigger: "comment", actor: `user-${id % 30}` }),
        status,
        at(id),
        at(id),
        p.repo,
        pr,
        kind,
      );
      stream.run(id, p.name, p.repo, pr, kind, 400, at(id), at(id));
      for (let s = 1; s <= 3; s++) chunk.run(id, s, p.name, `line ${s} of job ${id}: terraform_data.${p.name}: Creating...\n`);
      if (kind === "plan" && status === "done") {
        lastPlan.set(
          p.name,
          Number(
            plan.run(p.repo, pr, p.name, p.name, `sha${id}`, summary, id % 3 === 0 ? "applied" : "superseded", id, at(id)).lastInsertRowid,
          ),
        );
      }
      if (kind === "apply")
        apply.run(
          id,
          p.repo,
          pr,
          p.name,
          lastPlan.get(p.name) ?? 0,
          status === "running" ? "started" : id % 11 === 0 ? "failed" : "succeeded",
          at(id),
          at(id + 1),
        );
    }
    const lock = db.prepare("INSERT INTO locks (repo, dir, workspace, project, pr, created_at) VALUES (?, ?, 'default', ?, ?, ?)");
    const waiter = db.prepare("INSERT INTO lock_waiters (repo, dir, workspace, pr, target) VALUES (?, ?, 'default', ?, ?)");
    for (let i = 0; i < 300; i++) {
      const p = project((i * 7) % PROJECTS);
      lock.run(p.repo, p.name, p.name, 1 + i, at(i));
      if (i % 4 === 0) waiter.run(p.repo, p.name, 900 + i, target(p.repo, 900 + i));
    }
  })();
  db.close();
}

/** A sign-in that knows one user with write access to every repo (no GitHub involved). */
const fakeSignIn: SignInPort = {
  authorizeUrl: (state) => `http://github.invalid/authorize?state=${state}`,
  signIn: async () => ({ login: "bench", id: 1, token: "t" }),
  userId: async () => undefined,
  repos: async () => ({
    repos: Array.from({ length: REPOS }, (_, i) => ({ fullName: `acme/repo-${i}`, permission: "write" as const })),
    refused: [],
  }),
};

/** Server time of the overview on `store`, against the store queries alone and a static asset. */
async function measureOverview(store: Store, label: string, opts: BenchOptions): Promise<Figure[]> {
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const console_ = createConsole({
    store,
    env: { sessionSecret: "x".repeat(40) },
    signIn: fakeSignIn,
    metrics: createMetrics(store),
    config: { admins: [], repoRules: [], log_retention: 3650 * 24 * 3600e3 },
    githubWebUrl: "https://github.com",
    wake: () => undefined,
    log: quiet,
  });
  const server = createServer((req, res) => {
    void console_.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const login = await fetch(`${base}/login`, { redirect: "manual" });
    const state = new URL(login.headers.get("location") as string).searchParams.get("state");
    const first = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const back = await fetch(`${base}/login/callback?code=c&state=${state}`, { redirect: "manual", headers: { cookie: first } });
    const cookie = (back.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const timed = async (path: string) => {
      const t = performance.now();
      const r = await fetch(`${base}${path}`, { headers: { cookie } });
      const body = await r.text();
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${body.slice(0, 200)}`);
      return { ms: performance.now() - t, body };
    };
    const reps = opts.quick ? 5 : 15;
    const check = await timed("/");
    if (!check.body.includes("of 2000 projects"))
      throw new Error(`the overview does not list 2,000 projects: ${/<p class="count">[^<]*/.exec(check.body)?.[0]}`);
    const overview: number[] = [];
    const filtered: number[] = [];
    const queries: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < reps; i++) {
      overview.push((await timed("/")).ms);
      filtered.push((await timed("/?status=failed&q=project-1")).ms);
      const t = performance.now();
      await Promise.all([store.projectActivity(), store.allLocks()]);
      queries.push(performance.now() - t);
      floor.push((await timed("/assets/console.css")).ms);
    }
    const baseline = `store queries ${ms(median(queries))}; static asset ${ms(median(floor))}; ${JOBS} jobs, ${PROJECTS} projects, median of ${reps}`;
    return [
      figure(`console.overview 2,000 projects${label}`, median(overview), "ms", { max: 300, strict: true, label: "< 300 ms" }, baseline),
      figure(`console.overview filtered${label}`, median(filtered), "ms", { max: 300, strict: true, label: "< 300 ms" }, baseline),
    ];
  } finally {
    console_.stop();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** The same data on PostgreSQL, generated by the database itself. */
async function populatePostgres(url: string): Promise<void> {
  await (await openPostgresStore(url, { replicaName: "bench", log: { warn: () => undefined } })).close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const ts = "timestamptz '2026-01-01' + id * interval '1 minute'";
    const repo = `'acme/repo-' || ((id % ${PROJECTS}) % ${REPOS})`;
    const name = `'project-' || (id % ${PROJECTS})`;
    await client.query(`INSERT INTO jobs (id, delivery_id, target, spec, status, created_at, updated_at, repo, pr, kind)
      SELECT id, 'd-' || id,
        jsonb_build_object('installationId', 1, 'repo', jsonb_build_object('owner', 'acme', 'name', 'repo-' || ((id % ${PROJECTS}) % ${REPOS})), 'cloneUrl', 'x', 'pr', 1 + id % 500),
        jsonb_build_object('kind', CASE WHEN id % 5 = 0 THEN 'apply' ELSE 'plan' END, 'trigger', 'comment', 'actor', 'user-' || (id % 30)),
        CASE WHEN id > ${JOBS - 20} THEN 'running' WHEN id % 37 = 0 THEN 'failed' ELSE 'done' END, ${ts}, ${ts},
        ${repo}, 1 + id % 500, CASE WHEN id % 5 = 0 THEN 'apply' ELSE 'plan' END
      FROM generate_series(1, ${JOBS}) id`);
    await client.query(`INSERT INTO log_streams (job_id, project, repo, pr, kind, bytes, started_at, updated_at)
      SELECT id, ${name}, ${repo}, 1 + id % 500, CASE WHEN id % 5 = 0 THEN 'apply' ELSE 'plan' END, 400, ${ts}, ${ts} FROM generate_series(1, ${JOBS}) id`);
    await client.query(`INSERT INTO job_logs (job_id, seq, project, text)
      SELECT id, s, ${name}, 'line ' || s || ' of job ' || id || ': Creating...' || chr(10) FROM generate_series(1, ${JOBS}) id, generate_series(1, 3) s`);
    await client.query(`INSERT INTO plans (repo, pr, project, dir, workspace, runner, head_sha, base_sha, plan_path, plan_hash, summary, status, job_id, created_at)
      SELECT ${repo}, 1 + id % 500, ${name}, ${name}, 'default', 'terraform', 'sha' || id, 'b', 'p', 'h',
        '{"add":2,"change":1,"destroy":0,"replace":0,"move":0,"import":0,"forget":0,"resources":[],"moves":[],"outputs":[],"hasChanges":true}',
        CASE WHEN id % 3 = 0 THEN 'applied' ELSE 'superseded' END, id, ${ts}
      FROM generate_series(1, ${JOBS}) id WHERE id % 5 <> 0 AND id <= ${JOBS - 20} AND id % 37 <> 0`);
    await client.query(`INSERT INTO applies (job_id, repo, pr, project, plan_id, status, started_at, finished_at)
      SELECT id, ${repo}, 1 + id % 500, ${name}, 0, CASE WHEN id > ${JOBS - 20} THEN 'started' WHEN id % 11 = 0 THEN 'failed' ELSE 'succeeded' END, ${ts}, ${ts}
      FROM generate_series(1, ${JOBS}) id WHERE id % 5 = 0`);
    await client.query(`INSERT INTO locks (repo, dir, workspace, project, pr, created_at)
      SELECT 'acme/repo-' || (((i * 7) % ${PROJECTS}) % ${REPOS}), 'project-' || ((i * 7) % ${PROJECTS}), 'default', 'project-' || ((i * 7) % ${PROJECTS}), 1 + i, now()
      FROM generate_series(0, 299) i`);
    await client.query("ANALYZE");
  } finally {
    await client.end();
  }
}

/**
 * The console's overview with 10,000 jobs and 2,000 projects: server time of `GET /` (signed in,
 * every repo readable) on the embedded store, and on PostgreSQL when one can be started.
 */
export async function consoleOverview(opts: BenchOptions): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-bench-console-"));
  const file = join(dir, "sluice.db");
  await populate(file);
  const figures: Figure[] = [];
  const store = openSqliteStore(file);
  try {
    figures.push(...(await measureOverview(store, "", opts)));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
  if (!postgresAvailability().ok) return figures;
  const server = await startPostgres();
  try {
    await populatePostgres(server.url);
    const shared = await openPostgresStore(server.url, { replicaName: "bench", log: { warn: () => undefined } });
    try {
      figures.push(...(await measureOverview(shared, " (PostgreSQL)", opts)));
    } finally {
      await shared.close();
    }
  } finally {
    await server.stop();
  }
  return figures;
}

runIfMain(import.meta.url, consoleOverview);

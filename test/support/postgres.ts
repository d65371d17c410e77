import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./start-app.js";

const run = promisify(execFile);
const PG_ROOT = "/usr/lib/postgresql";

export interface TestPostgres {
  /** Connection URL of a database that belongs to this handle alone. */
  url: string;
  stop(): Promise<void>;
}

export type PostgresAvailability =
  | { ok: true; via: "url"; url: string }
  | { ok: true; via: "binaries"; binDir: string }
  | { ok: false; reason: string };

/** The newest installed server's bin dir (Debian layout), if any. */
function findBinDir(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, "bin", "initdb")) && existsSync(join(PG_ROOT, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(PG_ROOT, versions[0], "bin") : undefined;
}

/** Synchronous, so a test file can decide at collection time whether its Postgres half runs. */
export function postgresAvailability(env: NodeJS.ProcessEnv = process.env): PostgresAvailability {
  if (env.SLUICE_TEST_DATABASE_URL) return { ok: true, via: "url", url: env.SLUICE_TEST_DATABASE_URL };
  const binDir = findBinDir();
  if (binDir) return { ok: true, via: "binaries", binDir };
  return {
    ok: false,
    reason: `no PostgreSQL: set SLUICE_TEST_DATABASE_URL or install the server (apt-get install -y postgresql; looked for ${PG_ROOT}/*/bin/initdb)`,
  };
}

/**
 * A PostgreSQL database for one test file: a fresh database on SLUICE_TEST_DATABASE_URL's server
 * when set, else a throwaway server in a temp dir, stopped (by its own data dir's pid) and deleted
 * by `stop`.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const found = postgresAvailability();
  if (!found.ok) throw new Error(found.reason);
  if (found.via === "url") return createTestDatabase(found.url);
  return startServer(found.binDir);
}

/** A new empty database on the server of `adminUrl`; `stop` drops it. */
export async function createTestDatabase(adminUrl: string): Promise<TestPostgres> {
  const name = `sluice_test_${randomBytes(6).toString("hex")}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async stop() {
      await withClient(adminUrl, async (c) => {
        // A pool just ended may still be closing its sessions: FORCE would end one mid-close, and
        // its client, no longer listened to, throws the server's "terminating connection" at
        // whatever test runs then. Give them a moment to go by themselves.
        for (let waited = 0; waited < 2_000; waited += 20) {
          const open = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1", [name]);
          if (open.rows[0]?.n === 0) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        // WITH (FORCE) ends sessions a failed test left open (PostgreSQL 13+).
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** initdb refuses to run as root: as root, the server's files and processes belong to `postgres`. */
function asServerUser(binDir: string, tool: string, args: string[]): [string, string[]] {
  const bin = join(binDir, tool);
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
}

async function startServer(binDir: string): Promise<TestPostgres> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-pg-"));
  const data = join(dir, "data");
  try {
    if (process.getuid?.() === 0) await chown(dir, ...(await postgresIds()));
    await run(...asServerUser(binDir, "initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]));
    const port = await startOnFreePort(binDir, dir, data);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      async stop() {
        await stopServer(binDir, data);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stopServer(binDir, data).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not start a test PostgreSQL with ${binDir}: ${errorText(e)}`);
  }
}

async function startOnFreePort(binDir: string, dir: string, data: string): Promise<number> {
  // Another process can take the free port before the server binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // A throwaway server: durability off, which makes schema setup and commits much faster.
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      await run(...asServerUser(binDir, "pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "-t", "30", "start"]));
      return port;
    } catch (e) {
      if (attempt >= 3) {
        const log = await readFile(join(dir, "server.log"), "utf8").catch(() => "");
        throw new Error(`${errorText(e)}\n${log}`);
      }
    }
  }
}

async function stopServer(binDir: string, data: string): Promise<void> {
  if (!existsSync(join(data, "postmaster.pid"))) return;
  try {
    await run(...asServerUser(binDir, "pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"]));
  } catch {
    // pg_ctl could not stop it: end the postmaster by the pid it wrote for this data dir.
    const pid = Number((await readFile(join(data, "postmaster.pid"), "utf8")).split("\n", 1)[0]);
    if (pid > 0) process.kill(pid, "SIGQUIT");
  }
}

async function postgresIds(): Promise<[number, number]> {
  const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
  const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
  return [uid, gid];
}

function errorText(e: unknown): string {
  const err = e as { message?: string; stderr?: string };
  return [err.message, err.stderr].filter(Boolean).join("\n");
}

/**
 * Waits until `count` sessions on `client`'s database wait on a lock: the stores' transactions have
 * come to what the test's own open transaction holds. Fails with `message` when they do not in time.
 */
export async function waitForLockWait(client: pg.Client, message: string, { timeoutMs = 5000, count = 1 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
    );
    if ((r.rows[0]?.n ?? 0) >= count) return;
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 10));
  }
}

import pg from "pg";
import { advisoryKey } from "./advisory-key.js";
import { errorMessage } from "../util/errors.js";

export interface StoreLog {
  warn(obj: object, msg: string): void;
}

/**
 * How other replicas know this one is alive: for its whole lifetime the replica holds a
 * session-level advisory lock on its owner id, on a connection of its own. The database drops the
 * lock when that session ends (process killed, host gone, connection cut), so "owner is dead" is
 * exactly "another session can take the owner's lock" (see `deadOwners`). No heartbeats, no clocks.
 *
 * If the connection drops while the process lives, the lock is gone and another replica that
 * restarts in that window may treat this one's running jobs as interrupted: we reconnect and take
 * the lock again with backoff, and say so in the log.
 */
export class ReplicaLiveness {
  private client: pg.Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly key: string;

  private constructor(
    private readonly config: pg.ClientConfig,
    readonly owner: string,
    private readonly log: StoreLog,
  ) {
    this.key = advisoryKey("replica", owner);
  }

  static async start(config: pg.ClientConfig, owner: string, log: StoreLog): Promise<ReplicaLiveness> {
    const liveness = new ReplicaLiveness(config, owner, log);
    await liveness.connect();
    return liveness;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on("error", (e) => this.lost(client, e));
    client.on("end", () => this.lost(client, new Error("connection ended")));
    await client.connect();
    try {
      // Another replica may hold it for an instant while checking whether we are dead: retry.
      for (let attempt = 0; ; attempt++) {
        const r = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [this.key]);
        if (r.rows[0]?.ok) break;
        if (attempt >= 50) throw new Error(`replica id ${this.owner} is held by another session`);
        await new Promise((res) => setTimeout(res, 100));
      }
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    this.client = client;
  }

  private lost(client: pg.Client, e: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    this.log.warn({ owner: this.owner, err: e.message }, "lost the database session that marks this replica alive; reconnecting");
    client.end().catch(() => undefined);
    this.reconnect(1000);
  }

  private reconnect(delayMs: number): void {
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      this.connect().catch((e: unknown) => {
        this.log.warn({ owner: this.owner, err: errorMessage(e) }, "could not mark this replica alive again");
        this.reconnect(Math.min(delayMs * 2, 30_000));
      });
    }, delayMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}

/**
 * The owners among `owners` whose replica is gone, decided inside the caller's transaction:
 * `pg_try_advisory_xact_lock` succeeds only when no live session holds the owner's lock. The
 * transaction keeps the lock until it ends, so two replicas recovering at once never both see
 * the same owner as dead: the second one's try fails and it leaves that owner's rows alone.
 */
export async function deadOwners(client: pg.PoolClient, owners: string[]): Promise<string[]> {
  const dead: string[] = [];
  for (const owner of owners) {
    const r = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock($1::bigint) AS ok", [advisoryKey("replica", owner)]);
    if (r.rows[0]?.ok) dead.push(owner);
  }
  return dead;
}

/** The owners (other than `self`) of `table`'s rows in `status` whose replica is gone. */
export async function deadOwnersOf(
  client: pg.PoolClient,
  table: "jobs" | "applies" | "job_results",
  status: string,
  self: string,
): Promise<string[]> {
  const owners = await client.query<{ owner: string }>(
    `SELECT DISTINCT owner FROM ${table} WHERE status = $2 AND owner IS NOT NULL AND owner <> $1`,
    [self, status],
  );
  return deadOwners(
    client,
    owners.rows.map((r) => r.owner),
  );
}

/**
 * Whether any replica other than `self` died leaving work behind (a running job, a started apply,
 * an unposted result): two statements and no transaction, cheap enough to ask every few seconds.
 * The locks are tried and dropped within the one statement; the recovery that follows decides
 * again, inside its own transactions (see deadOwners).
 */
export async function anyDeadOwner(pool: pg.Pool, self: string): Promise<boolean> {
  const owners = await pool.query<{ owner: string }>(
    `SELECT owner FROM jobs WHERE status = 'running' AND owner <> $1
     UNION SELECT owner FROM applies WHERE status = 'started' AND owner <> $1
     UNION SELECT owner FROM job_results WHERE status = 'unposted' AND owner <> $1`,
    [self],
  );
  if (owners.rows.length === 0) return false;
  const keys = owners.rows.map((r) => advisoryKey("replica", r.owner));
  const tried = await pool.query<{ free: boolean }>("SELECT bool_or(pg_try_advisory_xact_lock(k)) AS free FROM unnest($1::bigint[]) AS k", [
    keys,
  ]);
  return tried.rows[0]?.free === true;
}

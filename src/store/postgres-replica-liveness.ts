import pg from "pg";
import { advisoryKey } from "./advisory-key.js";
import type { Db, Tx, TxBody } from "./db/db.js";
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
 * Those of `owners` (other than `self`) whose replica is gone, decided inside the caller's
 * transaction: `pg_try_advisory_xact_lock` succeeds only when no live session holds the owner's
 * lock. The transaction keeps the lock until it ends, so two replicas recovering at once never
 * both see the same owner as dead: the second one's try fails and it leaves that owner's rows alone.
 */
export function* deadReplicas(t: Tx, owners: string[], self: string): TxBody<string[]> {
  const dead: string[] = [];
  for (const owner of owners) {
    if (owner === self) continue;
    const r = yield* t.get<{ ok: number }>("SELECT pg_try_advisory_xact_lock(CAST(? AS bigint)) AS ok", [advisoryKey("replica", owner)]);
    if (r?.ok) dead.push(owner);
  }
  return dead;
}

/**
 * Whether any replica other than `self` died leaving work behind (a running job, a started apply,
 * an unposted result): cheap enough to ask every few seconds. Each lock is tried and dropped
 * within its statement; the recovery that follows decides again, inside its own transactions.
 */
export async function anyDeadReplica(db: Db, self: string): Promise<boolean> {
  const owners = await db.all<{ owner: string }>(
    `SELECT owner FROM jobs WHERE status = 'running' AND owner <> ?
     UNION SELECT owner FROM applies WHERE status = 'started' AND owner <> ?
     UNION SELECT owner FROM live_applies WHERE outcome = 'started' AND owner <> ?
     UNION SELECT owner FROM job_results WHERE status = 'unposted' AND owner <> ?`,
    [self, self, self, self],
  );
  for (const { owner } of owners) {
    const r = await db.get<{ free: number }>("SELECT pg_try_advisory_xact_lock(CAST(? AS bigint)) AS free", [
      advisoryKey("replica", owner),
    ]);
    if (r?.free) return true;
  }
  return false;
}

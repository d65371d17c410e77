import type Database from "better-sqlite3";

export interface GroupCommitOptions {
  /** The connection's own busy timeout, restored after each attempt. */
  busyTimeoutMs: number;
  /** How long a group may wait for the write lock before its callers get the SQLITE_BUSY fault. */
  giveUpAfterMs?: number;
  /** Told when calls start waiting (true) and when they are all committed or failed (false). */
  waiting?: (yes: boolean) => void;
  /**
   * Makes a commit durable once it has returned (an fsync of the WAL in the thread pool): the
   * group's callers are answered after it, and the thread takes the next group meanwhile.
   */
  afterCommit?: () => Promise<void>;
}

type Waiter = { fn: () => unknown; resolve(r: unknown): void; reject(e: unknown): void };

/**
 * Write transactions that arrive together share one commit (one fsync), and the event loop never
 * sleeps on the write lock. Inside the group each call runs in a savepoint of its own, so a call
 * that throws is rolled back alone and only its caller gets the error. Each promise resolves after
 * the commit that made its call durable.
 *
 * Why: better-sqlite3 waits for a busy lock by sleeping in the calling thread (SQLite's busy
 * handler: 1, 2, 5, 10… ms). Two threads write to the same file (HTTP and jobs), so a webhook's
 * insert would stall every request on the HTTP thread. Here a busy lock is retried from a timer
 * instead, and what arrives meanwhile joins the group.
 */
export function groupCommit(db: Database.Database, opts: GroupCommitOptions): <R>(fn: () => R) => Promise<R> {
  const giveUpAfterMs = opts.giveUpAfterMs ?? opts.busyTimeoutMs;
  let pending: Waiter[] = [];
  let scheduled = false;
  let waitingSince: number | undefined;
  // A transaction function called inside another runs in a savepoint.
  const one = db.transaction((fn: () => unknown) => fn());
  const all = db.transaction((group: Waiter[]) =>
    group.map((w): { ok: true; value: unknown } | { ok: false; error: unknown } => {
      try {
        return { ok: true, value: one(w.fn) };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  ).immediate;
  // Prepared once: `db.pragma` prepares its statement on every call, twice per group.
  const noBusyWait = db.prepare("PRAGMA busy_timeout = 0");
  const ownBusyWait = db.prepare(`PRAGMA busy_timeout = ${opts.busyTimeoutMs}`);

  const flush = () => {
    scheduled = false;
    const group = pending;
    if (group.length === 0) return;
    opts.waiting?.(true);
    let outcomes: ReturnType<typeof all>;
    try {
      noBusyWait.get();
      outcomes = all(group);
    } catch (e) {
      // SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, _SNAPSHOT, _TIMEOUT): try again shortly.
      const busy = (e as { code?: string }).code?.startsWith("SQLITE_BUSY") === true;
      waitingSince ??= performance.now();
      if (busy && performance.now() - waitingSince < giveUpAfterMs) {
        schedule(1);
        return;
      }
      pending = [];
      waitingSince = undefined;
      opts.waiting?.(false);
      for (const w of group) w.reject(e);
      return;
    } finally {
      if (db.open) ownBusyWait.get();
    }
    pending = [];
    waitingSince = undefined;
    opts.waiting?.(false);
    const answer = (synced?: { error: unknown }) =>
      group.forEach((w, i) => {
        const o = outcomes[i];
        if (!o?.ok) w.reject(o?.error);
        else if (synced) w.reject(synced.error);
        else w.resolve(o.value);
      });
    if (!opts.afterCommit) answer();
    else
      opts.afterCommit().then(
        () => answer(),
        (error: unknown) => answer({ error }),
      );
  };
  const schedule = (delayMs: number) => {
    if (scheduled) return;
    scheduled = true;
    if (delayMs > 0) setTimeout(flush, delayMs);
    else setImmediate(flush);
  };

  return <R>(fn: () => R) =>
    new Promise<R>((resolve, reject) => {
      pending.push({ fn, resolve: resolve as (r: unknown) => void, reject });
      schedule(0);
    });
}

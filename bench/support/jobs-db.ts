import Database from "better-sqlite3";
import { join } from "node:path";

/** Read-only view of the app's SQLite store (`<dataDir>/sluice.db`), for counting jobs. */
export interface JobsDb {
  /** Jobs not finished yet (queued or running). */
  unfinished(): number;
  /** Job count per delivery id, for the given ids (ids with no job are absent). */
  jobsPerDelivery(ids: readonly string[]): Map<string, number>;
  statusCounts(): Record<string, number>;
  close(): void;
}

export function openJobsDb(dataDir: string): JobsDb {
  const db = new Database(join(dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  const unfinished = db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')");
  return {
    unfinished: () => (unfinished.get() as { n: number }).n,
    jobsPerDelivery(ids) {
      const wanted = new Set(ids);
      const rows = db.prepare("SELECT delivery_id AS id, COUNT(*) AS n FROM jobs GROUP BY delivery_id").all() as {
        id: string;
        n: number;
      }[];
      return new Map(rows.filter((r) => wanted.has(r.id)).map((r) => [r.id, r.n]));
    },
    statusCounts() {
      const rows = db.prepare("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status").all() as { status: string; n: number }[];
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
    close: () => db.close(),
  };
}

/** Waits until the app has no queued or running job (and stays so for `quietMs`). */
export async function waitIdle(dataDir: string, opts: { timeoutMs?: number; quietMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  const quiet = opts.quietMs ?? 300;
  const db = openJobsDb(dataDir);
  try {
    let idleSince: number | undefined;
    for (;;) {
      const now = Date.now();
      if (db.unfinished() === 0) {
        idleSince ??= now;
        if (now - idleSince >= quiet) return;
      } else idleSince = undefined;
      if (now > deadline) throw new Error(`the app still has unfinished jobs: ${JSON.stringify(db.statusCounts())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    db.close();
  }
}

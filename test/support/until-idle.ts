import Database from "better-sqlite3";
import { join } from "node:path";

/**
 * The positive sign that the app has acted on everything it was sent: its store holds no queued
 * or running job. A webhook is answered only after its job is stored, and a job that enqueues
 * another (a re-plan after a lock release) does so before it ends, so once this holds nothing is
 * left to happen. Use it before asserting that something did *not* happen, instead of a sleep.
 * Reads the app's SQLite file read-only, beside the running app (WAL mode).
 */
export async function untilIdle(dataDir: string, timeoutMs = 60_000, repo?: { owner: string; name: string }): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy = activeJobs(dataDir, repo);
    if (busy === 0) return;
    if (Date.now() > deadline) throw new Error(`the app still has ${busy} queued or running job(s) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** With a repo: only its jobs (a test whose schedule keeps checking other repos is never idle as a whole). */
function activeJobs(dataDir: string, repo?: { owner: string; name: string }): number {
  const db = new Database(join(dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  const active = "SELECT count(*) AS n FROM jobs WHERE status IN ('queued', 'running')";
  try {
    if (!repo) return (db.prepare(active).get() as { n: number }).n;
    const ofRepo = `${active} AND json_extract(target, '$.repo.owner') = ? AND json_extract(target, '$.repo.name') = ?`;
    return (db.prepare(ofRepo).get(repo.owner, repo.name) as { n: number }).n;
  } finally {
    db.close();
  }
}

import type { JobResult } from "../model/job-result.js";
import { json } from "./db/db.js";
import { isUnposted, type ResultStore, type StoredJobResult } from "./result-store.js";
import { type StoreDriver, now, orphanedBy } from "./store-driver.js";

interface ResultRow {
  job_id: number;
  result: string | null;
  status: string;
  shown_at?: string | null;
}

const toStored = (r: ResultRow): StoredJobResult =>
  r.status === "posted" || r.result === null
    ? { jobId: r.job_id, posted: true, ...(r.shown_at ? { shownAt: r.shown_at } : {}) }
    : { jobId: r.job_id, posted: false, result: json<JobResult>(r.result) };

/** The results outbox: rows carry the process that is to post them. */
export function jobResults(driver: StoreDriver): ResultStore {
  const { db } = driver;
  return {
    async saveResult(jobId, result) {
      await db.run(
        `INSERT INTO job_results (job_id, result, status, owner, created_at) VALUES (?, ?, 'unposted', ?, ?)
         ON CONFLICT (job_id) DO UPDATE SET result = excluded.result, status = 'unposted', owner = excluded.owner, posted_at = NULL, shown_at = NULL`,
        [jobId, result, driver.owner, now()],
      );
    },
    async resultOf(jobId) {
      const row = await db.get<ResultRow>("SELECT job_id, result, status, shown_at FROM job_results WHERE job_id = ?", [jobId]);
      return row ? toStored(row) : undefined;
    },
    async markResultPosted(jobId, shownAt) {
      await db.run("UPDATE job_results SET status = 'posted', posted_at = ?, shown_at = ?, result = NULL WHERE job_id = ?", [
        now(),
        shownAt ?? null,
        jobId,
      ]);
    },
    async orphanedResults() {
      // Adopted in the transaction that found their owner gone: a second process recovering at
      // the same time cannot take them too.
      const rows = await db.tx(function* (t) {
        const owners = yield* t.all<{ owner: string }>(
          "SELECT DISTINCT owner FROM job_results WHERE status = 'unposted' AND owner IS NOT NULL",
        );
        const dead = orphanedBy(
          yield* driver.deadOwners(
            t,
            owners.map((r) => r.owner),
          ),
        );
        return yield* t.all<ResultRow>(
          `UPDATE job_results SET owner = ? WHERE status = 'unposted' AND ${dead.sql} RETURNING job_id, result, status`,
          [driver.owner, ...dead.params],
        );
      });
      return rows
        .map(toStored)
        .filter(isUnposted)
        .sort((a, b) => a.jobId - b.jobId);
    },
  };
}

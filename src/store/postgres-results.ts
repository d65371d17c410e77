import type pg from "pg";
import type { JobResult } from "../model/job-result.js";
import { deadOwnersOf } from "./postgres-replica-liveness.js";
import { inTransaction } from "./db/postgres-transaction.js";
import { isUnposted, type ResultStore, type StoredJobResult } from "./result-store.js";

interface ResultRow {
  job_id: number;
  result: JobResult | null;
  status: string;
}

const toStored = (r: ResultRow): StoredJobResult =>
  r.status === "posted" || !r.result ? { jobId: r.job_id, posted: true } : { jobId: r.job_id, posted: false, result: r.result };

/** The results outbox on the shared database: rows carry the replica that is to post them. */
export function postgresResultMethods(pool: pg.Pool, owner: string): ResultStore {
  return {
    async saveResult(jobId, result) {
      await pool.query(
        `INSERT INTO job_results (job_id, result, status, owner) VALUES ($1, $2, 'unposted', $3)
         ON CONFLICT (job_id) DO UPDATE SET result = excluded.result, status = 'unposted', owner = excluded.owner, posted_at = NULL`,
        [jobId, JSON.stringify(result), owner],
      );
    },
    async resultOf(jobId) {
      const { rows } = await pool.query<ResultRow>("SELECT job_id, result, status FROM job_results WHERE job_id = $1", [jobId]);
      return rows[0] ? toStored(rows[0]) : undefined;
    },
    async markResultPosted(jobId) {
      await pool.query("UPDATE job_results SET status = 'posted', posted_at = now(), result = NULL WHERE job_id = $1", [jobId]);
    },
    async orphanedResults() {
      // Adopted in the transaction that found their owner dead: a second replica recovering at the
      // same time cannot take them too (see deadOwners).
      const rows = await inTransaction(pool, async (c) => {
        const dead = await deadOwnersOf(c, "job_results", "unposted", owner);
        if (dead.length === 0) return [];
        const r = await c.query<ResultRow>(
          `UPDATE job_results SET owner = $1 WHERE status = 'unposted' AND owner = ANY($2::text[])
           RETURNING job_id, result, status`,
          [owner, dead],
        );
        return r.rows;
      });
      return rows
        .map(toStored)
        .filter(isUnposted)
        .sort((a, b) => a.jobId - b.jobId);
    },
  };
}

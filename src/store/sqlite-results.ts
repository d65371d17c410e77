import type Database from "better-sqlite3";
import type { JobResult } from "../model/job-result.js";
import { isUnposted, type ResultStore, type StoredJobResult } from "./result-store.js";

interface ResultRow {
  job_id: number;
  result: string | null;
  status: string;
}

const toStored = (r: ResultRow): StoredJobResult =>
  r.status === "posted" || r.result === null
    ? { jobId: r.job_id, posted: true }
    : { jobId: r.job_id, posted: false, result: JSON.parse(r.result) as JobResult };

/** The results outbox in the embedded store: one process, so every unposted row at start is orphaned. */
export function sqliteResultMethods(db: Database.Database): ResultStore {
  const now = () => new Date().toISOString();
  const save = db.prepare(
    `INSERT INTO job_results (job_id, result, status, created_at) VALUES (?, ?, 'unposted', ?)
     ON CONFLICT (job_id) DO UPDATE SET result = excluded.result, status = 'unposted', posted_at = NULL`,
  );
  const select = db.prepare("SELECT job_id, result, status FROM job_results WHERE job_id = ?");
  const posted = db.prepare("UPDATE job_results SET status = 'posted', posted_at = ?, result = NULL WHERE job_id = ?");
  const selectUnposted = db.prepare("SELECT job_id, result, status FROM job_results WHERE status = 'unposted' ORDER BY job_id");
  return {
    async saveResult(jobId, result) {
      save.run(jobId, JSON.stringify(result), now());
    },
    async resultOf(jobId) {
      const row = select.get(jobId) as ResultRow | undefined;
      return row ? toStored(row) : undefined;
    },
    async markResultPosted(jobId) {
      posted.run(now(), jobId);
    },
    async orphanedResults() {
      return (selectUnposted.all() as ResultRow[]).map(toStored).filter(isUnposted);
    },
  };
}

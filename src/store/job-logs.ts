import type { ConsoleStore, JobLogChunk } from "./console-store.js";
import { fitLogChunk, truncationNotice } from "./fit-log-chunk.js";
import { type StreamRow, records } from "./record-rows.js";
import { type StoreDriver, now } from "./store-driver.js";

export type JobLogs = Pick<ConsoleStore, "appendJobLog" | "readJobLog" | "jobLogStreams" | "pruneJobLogs">;

/** Jobs' live output, kept so that any process serves it and it survives restarts; capped per job. */
export function jobLogs({ db }: StoreDriver): JobLogs {
  return {
    async appendJobLog(c, maxBytes) {
      if (!c.text) return true;
      return db.tx(function* (t) {
        // The projects of one job append in parallel: they take turns per job, so sequence numbers
        // are given in commit order and a reader that has seen seq N never misses a smaller one.
        yield* t.serialize("joblog", String(c.jobId));
        const usage = yield* t.get<{ used: number; full: number }>(
          `SELECT COALESCE(SUM(bytes), 0) AS used,
                  CASE WHEN EXISTS (SELECT 1 FROM log_streams WHERE job_id = ? AND truncated) THEN 1 ELSE 0 END AS full
           FROM log_streams WHERE job_id = ?`,
          [c.jobId, c.jobId],
        );
        if (usage?.full) return false;
        const at = now();
        yield* t.run(
          "INSERT INTO log_streams (job_id, project, repo, pr, kind, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          [c.jobId, c.project, c.repo, c.pr, c.kind, at, at],
        );
        const fit = fitLogChunk(usage?.used ?? 0, c.text, maxBytes);
        const texts = [...(fit.text ? [fit.text] : []), ...(fit.full ? [truncationNotice(maxBytes)] : [])];
        for (const text of texts) {
          yield* t.run(
            `INSERT INTO job_logs (job_id, seq, project, text)
             SELECT CAST(? AS INTEGER), COALESCE(MAX(seq), 0) + 1, CAST(? AS TEXT), CAST(? AS TEXT) FROM job_logs WHERE job_id = ?`,
            [c.jobId, c.project, text, c.jobId],
          );
        }
        yield* t.run(
          `UPDATE log_streams SET bytes = bytes + ?, truncated = CASE WHEN truncated THEN truncated ELSE ? END, updated_at = ?
           WHERE job_id = ? AND project = ?`,
          [Buffer.byteLength(fit.text), fit.full, at, c.jobId, c.project],
        );
        return !fit.full;
      });
    },
    async readJobLog(jobId, afterSeq, limit = 1000) {
      return db.all<JobLogChunk>("SELECT seq, project, text FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?", [
        jobId,
        afterSeq,
        limit,
      ]);
    },
    async jobLogStreams(jobId) {
      // In the order the projects first wrote: timestamps of two projects can be equal.
      const rows = await db.all<StreamRow>(
        `SELECT s.* FROM log_streams s WHERE s.job_id = ?
         ORDER BY (SELECT MIN(l.seq) FROM job_logs l WHERE l.job_id = s.job_id AND l.project = s.project), s.project`,
        [jobId],
      );
      return rows.map(records.toStream);
    },
    async pruneJobLogs(before) {
      return db.tx(function* (t) {
        const jobs = yield* t.all<{ job_id: number }>(
          `SELECT s.job_id FROM log_streams s GROUP BY s.job_id
           HAVING MAX(s.updated_at) < ? AND EXISTS (SELECT 1 FROM job_logs l WHERE l.job_id = s.job_id)`,
          [before],
        );
        for (const j of jobs) yield* t.run("DELETE FROM job_logs WHERE job_id = ?", [j.job_id]);
        return jobs.length;
      });
    },
  };
}

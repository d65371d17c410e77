import { type JobRow, records } from "./record-rows.js";
import type { StoreDriver } from "./store-driver.js";
import type { Store } from "./store.js";

export type JobReads = Pick<Store, "activeJobsOf" | "closeJobOf" | "heardOfHead" | "getJob">;

const toJob = (r: JobRow) => records.toJob(r);

/** Reads of the job queue's rows: a job, a pull request's active or close job, whether a head was heard of. */
export function jobReads({ db }: StoreDriver): JobReads {
  return {
    async activeJobsOf(repo, pr) {
      const rows = await db.all<JobRow>("SELECT * FROM jobs WHERE status IN ('queued', 'running') AND repo = ? AND pr = ? ORDER BY id", [
        repo,
        pr,
      ]);
      return rows.map(toJob);
    },
    async closeJobOf(repo, pr) {
      const row = await db.get<JobRow>("SELECT * FROM jobs WHERE repo = ? AND pr = ? AND kind = 'cleanup' ORDER BY id DESC LIMIT 1", [
        repo,
        pr,
      ]);
      return row ? toJob(row) : undefined;
    },
    async heardOfHead(repo, pr, headSha) {
      // Only GitHub's own events carry a head (opened, synchronize, a check's commit); so do the
      // heal sweep's jobs, so that a head is healed once.
      const row = await db.get<{ one: number }>(
        "SELECT 1 AS one FROM jobs WHERE repo = ? AND pr = ? AND target->>'payloadHeadSha' = ? LIMIT 1",
        [repo, pr, headSha],
      );
      return row !== undefined;
    },
    async getJob(id) {
      const row = await db.get<JobRow>("SELECT * FROM jobs WHERE id = ?", [id]);
      return row ? toJob(row) : undefined;
    },
  };
}

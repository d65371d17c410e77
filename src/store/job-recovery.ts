import type { Job } from "../model/job.js";
import { type JobRow, records } from "./record-rows.js";
import { type StoreDriver, now, orphanedBy } from "./store-driver.js";
import type { Store } from "./store.js";

export type JobRecovery = Pick<Store, "runningJobs">;

/** Running jobs whose process is gone, adopted by this one to be recovered. */
export function jobRecovery(driver: StoreDriver): JobRecovery {
  const { db } = driver;
  return {
    async runningJobs() {
      // Adopting the rows (owner = us) in the transaction that found their owner gone means another
      // process recovering at the same time cannot return them too.
      const rows = await db.tx(function* (t) {
        const owners = yield* t.all<{ owner: string }>("SELECT DISTINCT owner FROM jobs WHERE status = 'running' AND owner IS NOT NULL");
        const dead = orphanedBy(
          yield* driver.deadOwners(
            t,
            owners.map((r) => r.owner),
          ),
        );
        return yield* t.all<JobRow>(`UPDATE jobs SET owner = ?, updated_at = ? WHERE status = 'running' AND ${dead.sql} RETURNING *`, [
          driver.owner,
          now(),
          ...dead.params,
        ]);
      });
      return rows.map((r) => records.toJob(r)).sort((a: Job, b: Job) => a.id - b.id);
    },
  };
}

import { repositoryNow } from "./repository-moves.js";
import type { StoreDriver } from "./store-driver.js";
import type { Store } from "./store.js";

export type PrOperations = Pick<Store, "beginPrOperation" | "endPrOperation" | "clearPrOperationsOf">;

/** Per-PR operations: one job at a time holds an operation (`op`) of a pull request. */
export function prOperations({ db }: StoreDriver): PrOperations {
  return {
    async beginPrOperation(asked, pr, op, jobId) {
      for (;;) {
        const held = await db.tx(function* (t) {
          // A job begun before its repository was renamed: the operation is held where the PR's others are now.
          const repo = yield* repositoryNow(t, asked);
          const inserted = yield* t.run("INSERT INTO pr_operations (repo, pr, op, job_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", [
            repo,
            pr,
            op,
            jobId,
          ]);
          if (inserted.changes === 1) return { job_id: jobId };
          return yield* t.get<{ job_id: number }>("SELECT job_id FROM pr_operations WHERE repo = ? AND pr = ? AND op = ?", [repo, pr, op]);
        });
        // Ended between the two statements: try again.
        if (!held) continue;
        if (held.job_id === jobId) return { ok: true };
        return { ok: false, jobId: held.job_id };
      }
    },
    async endPrOperation(asked, pr, op, jobId) {
      await db.tx(function* (t) {
        // Begun under the old name and moved by a rename since: ended where it is, or it blocks the PR for good.
        const repo = yield* repositoryNow(t, asked);
        // Only the holder's own: a job that let its slot go early (a refusal) must not end the next one's.
        yield* t.run("DELETE FROM pr_operations WHERE repo = ? AND pr = ? AND op = ? AND job_id = ?", [repo, pr, op, jobId]);
      });
    },
    async clearPrOperationsOf(jobId) {
      await db.run("DELETE FROM pr_operations WHERE job_id = ?", [jobId]);
    },
  };
}

import { type LiveRow, records } from "./record-rows.js";
import { keepStateCount, trustedStateCount } from "./live-state-counts.js";
import { repositoryNow } from "./repository-moves.js";
import { type StoreDriver, now } from "./store-driver.js";
import type { Store } from "./store.js";

export type LiveApplies = Pick<
  Store,
  "recordLiveApplyStart" | "recordLiveApplyEnd" | "recordLiveApplyDeployment" | "liveApplies" | "appliedRepos" | "trustedStateCount"
>;

/**
 * The live record: every apply, whatever started it (a PR, a drift issue, reconcile, a preview),
 * with the process that started it; applyRecords' interruptStartedApplies marks a gone process's.
 */
export function liveApplyRecords(driver: StoreDriver): LiveApplies {
  const { db } = driver;
  return {
    async recordLiveApplyStart(a) {
      const row = await db.tx(function* (t) {
        // Under the repository's name now (a job begun before a rename): drift reads it there.
        const repo = yield* repositoryNow(t, a.repo);
        return yield* t.get<{ id: number }>(
          `INSERT INTO live_applies (repo, project, dir, workspace, commit_sha, source, number, actor, approvers, plan_hash, outcome, owner, started_at, teardown, state_grown, state_deletes)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'started', ?, ?, ?, ?, ?) RETURNING id`,
          [
            repo,
            a.project,
            a.dir,
            a.workspace,
            a.commitSha,
            a.source,
            a.number,
            a.actor,
            a.approvers,
            a.planHash,
            driver.owner,
            now(),
            a.teardown ?? false,
            a.stateChanges?.grows ?? null,
            a.stateChanges?.deletes ?? null,
          ],
        );
      });
      return row?.id as number;
    },
    async recordLiveApplyEnd(id, outcome, deploymentId, stateAddresses, named) {
      await db.tx(function* (t) {
        yield* t.run("UPDATE live_applies SET outcome = ?, finished_at = ?, deployment_id = COALESCE(?, deployment_id) WHERE id = ?", [
          outcome,
          now(),
          deploymentId ?? null,
          id,
        ]);
        if (outcome === "succeeded" && stateAddresses !== undefined) yield* keepStateCount(t, id, stateAddresses, named);
      });
    },
    trustedStateCount: (repo, dir, workspace, named) => trustedStateCount(driver, repo, dir, workspace, named),
    async recordLiveApplyDeployment(id, deploymentId) {
      await db.run("UPDATE live_applies SET deployment_id = ? WHERE id = ?", [deploymentId, id]);
    },
    async liveApplies(repo, project) {
      const rows = await db.all<LiveRow>(
        "SELECT * FROM live_applies WHERE repo = ? AND (CAST(? AS TEXT) IS NULL OR project = ?) ORDER BY id DESC",
        [repo, project ?? null, project ?? null],
      );
      return rows.map(records.toLive);
    },
    async appliedRepos() {
      return (await db.all<{ repo: string }>("SELECT DISTINCT repo FROM live_applies WHERE outcome = 'succeeded' ORDER BY repo")).map(
        (r) => r.repo,
      );
    },
  };
}

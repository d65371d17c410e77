import type { StateHold, StateHoldStore } from "../model/state-hold.js";
import { isDeletedRepositoryName } from "../model/repo-move.js";
import type { Db } from "./db/db.js";
import { repositoryNow } from "./repository-moves.js";
import { now } from "./store-driver.js";

interface Row {
  id: number;
  repo: string;
  dir: string;
  workspace: string;
  project: string;
  pr: number;
  job_id: number;
  message: string;
  backend: string | null;
  created_at: string;
}

const COLUMNS = "id, repo, dir, workspace, project, pr, job_id, message, backend, created_at";

const toHold = (r: Row): StateHold => ({
  id: Number(r.id),
  repo: r.repo,
  dir: r.dir,
  workspace: r.workspace,
  project: r.project,
  pr: Number(r.pr),
  jobId: Number(r.job_id),
  message: r.message,
  ...(r.backend ? { backend: r.backend } : {}),
  createdAt: r.created_at,
});

/** The held states' queries, written once for both databases. */
export function stateHoldMethods(db: Db): StateHoldStore {
  return {
    async holdState(h) {
      const row = await db.tx(function* (t) {
        // An apply that began before its repository was renamed: the hold goes where PRs plan it now.
        const named = yield* repositoryNow(t, h.repo);
        // Its repository deleted while it ran (its job moved aside with its rows), and the name
        // another's since: the unsaved state is the deleted one's, never a hold on the newcomer's
        // project (whose /state push-errored would put it in that project's backend).
        const ofJob = yield* t.get<{ repo: string }>("SELECT repo FROM jobs WHERE id = ?", [h.jobId]);
        const repo = ofJob && isDeletedRepositoryName(ofJob.repo) ? ofJob.repo : named;
        return yield* t.get<Row>(
          `INSERT INTO state_holds (repo, dir, workspace, project, pr, job_id, message, backend, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
          [repo, h.dir, h.workspace, h.project, h.pr, h.jobId, h.message, h.backend ?? null, h.state, now()],
        );
      });
      return toHold(row as Row);
    },
    async openStateHold(repo, dir, workspace) {
      const row = await db.get<Row>(
        `SELECT ${COLUMNS} FROM state_holds WHERE repo = ? AND dir = ? AND workspace = ? AND released_at IS NULL ORDER BY id LIMIT 1`,
        [repo, dir, workspace],
      );
      return row ? toHold(row) : undefined;
    },
    async openStateHoldOnBackend(repo, backend, workspace) {
      const row = await db.get<Row>(
        `SELECT ${COLUMNS} FROM state_holds WHERE repo = ? AND backend = ? AND workspace = ? AND released_at IS NULL ORDER BY id LIMIT 1`,
        [repo, backend, workspace],
      );
      return row ? toHold(row) : undefined;
    },
    async heldState(id) {
      const row = await db.get<{ state: Buffer | null }>("SELECT state FROM state_holds WHERE id = ?", [id]);
      return row?.state ?? undefined;
    },
    async stateHolds() {
      return (await db.all<Row>(`SELECT ${COLUMNS} FROM state_holds WHERE released_at IS NULL ORDER BY id`)).map(toHold);
    },
    async releaseStateHold(id, by) {
      // The state leaves the store with the hold: once pushed, the backend holds it.
      const r = await db.run("UPDATE state_holds SET released_at = ?, released_by = ?, state = NULL WHERE id = ? AND released_at IS NULL", [
        now(),
        by,
        id,
      ]);
      return r.changes > 0;
    },
  };
}

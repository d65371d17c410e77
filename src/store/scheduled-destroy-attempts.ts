import type { DestroyAttempts } from "../model/destroy-schedule.js";
import { type Db, json } from "./db/db.js";

/**
 * The attempts at each workspace's scheduled destroy. Kept as rows of the `flags` table (a name
 * and a JSON value), one per workspace: there is at most one due destroy per workspace at a time,
 * so the rows stay as few as the workspaces with a schedule, and no table of their own is needed.
 */
export interface ScheduledDestroyAttemptStore {
  destroyAttempts(workspace: WorkspaceRef): Promise<DestroyAttempts | undefined>;
  /** Keeps `attempts` for the workspace, or (undefined) forgets them: its destroy succeeded. */
  saveDestroyAttempts(workspace: WorkspaceRef, attempts: DestroyAttempts | undefined): Promise<void>;
}

export interface WorkspaceRef {
  repo: string;
  project: string;
  workspace: string;
}

// JSON keeps the parts apart whatever characters a project name holds.
const flagName = (w: WorkspaceRef) => `scheduled-destroy-attempts:${JSON.stringify([w.repo, w.project, w.workspace])}`;

/** The queries, written once for both databases. */
export function scheduledDestroyAttemptMethods(db: Db): ScheduledDestroyAttemptStore {
  return {
    async destroyAttempts(w) {
      const row = await db.get<{ value: string }>("SELECT value FROM flags WHERE name = ?", [flagName(w)]);
      return row ? json<DestroyAttempts>(row.value) : undefined;
    },
    async saveDestroyAttempts(w, attempts) {
      if (!attempts) {
        await db.run("DELETE FROM flags WHERE name = ?", [flagName(w)]);
        return;
      }
      await db.run("INSERT INTO flags (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", [
        flagName(w),
        attempts,
      ]);
    },
  };
}

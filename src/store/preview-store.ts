import type { PreviewKey, PreviewRecord } from "../model/preview.js";
import { type Db, json } from "./db/db.js";

/**
 * Pull requests' previews: what is live where, for the jobs that apply and destroy them, the sweep
 * that finds the forgotten ones, and the console. One row per repo, PR and project; a destroyed
 * preview keeps its row (its last result) until the PR's preview is applied again.
 */
export interface PreviewStore {
  savePreview(preview: PreviewRecord): Promise<void>;
  /** The previews of one repository (and pull request), every status. */
  previewsOf(repo: string, pr?: number): Promise<PreviewRecord[]>;
  /** Every preview not yet destroyed, in every repository: the sweep's and the console's list. */
  activePreviews(): Promise<PreviewRecord[]>;
  getPreview(key: PreviewKey): Promise<PreviewRecord | undefined>;
}

/** Live previews of a repository besides those of `pr`: what `max_previews` counts. */
export function previewsCounted(all: readonly PreviewRecord[], pr: number): number {
  return new Set(all.filter((p) => p.pr !== pr && p.status !== "destroyed").map((p) => p.pr)).size;
}

// A pool without the port's row types hands PostgreSQL's JSON back parsed: both shapes are read.
const toRecord = (row: { record: string | PreviewRecord }) =>
  typeof row.record === "string" ? json<PreviewRecord>(row.record) : row.record;

/** The previews' queries, written once for both databases. */
export function previewMethods(db: Db): PreviewStore {
  return {
    async savePreview(p) {
      await db.run(
        `INSERT INTO previews (repo, pr, project, status, record) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (repo, pr, project) DO UPDATE SET status = excluded.status, record = excluded.record`,
        [p.repo, p.pr, p.project, p.status, JSON.stringify(p)],
      );
    },
    async previewsOf(repo, pr) {
      const rows =
        pr === undefined
          ? await db.all<{ record: string }>("SELECT record FROM previews WHERE repo = ? ORDER BY pr, project", [repo])
          : await db.all<{ record: string }>("SELECT record FROM previews WHERE repo = ? AND pr = ? ORDER BY project", [repo, pr]);
      return rows.map(toRecord);
    },
    async activePreviews() {
      return (await db.all<{ record: string }>("SELECT record FROM previews WHERE status <> 'destroyed' ORDER BY repo, pr, project")).map(
        toRecord,
      );
    },
    async getPreview(k) {
      const row = await db.get<{ record: string }>("SELECT record FROM previews WHERE repo = ? AND pr = ? AND project = ?", [
        k.repo,
        k.pr,
        k.project,
      ]);
      return row ? toRecord(row) : undefined;
    },
  };
}

import type pg from "pg";
import type { PreviewRecord } from "../model/preview.js";
import type { PreviewStore } from "./preview-store.js";

export const POSTGRES_PREVIEWS_SCHEMA = `
CREATE TABLE IF NOT EXISTS previews (
  repo text NOT NULL,
  pr integer NOT NULL,
  project text NOT NULL,
  status text NOT NULL,
  record jsonb NOT NULL,
  PRIMARY KEY (repo, pr, project)
);
CREATE INDEX IF NOT EXISTS previews_status ON previews (status);
`;

const records = (r: pg.QueryResult) => r.rows.map((row: { record: PreviewRecord }) => row.record);

export function postgresPreviewMethods(pool: pg.Pool): PreviewStore {
  return {
    async savePreview(p) {
      await pool.query(
        `INSERT INTO previews (repo, pr, project, status, record) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (repo, pr, project) DO UPDATE SET status = excluded.status, record = excluded.record`,
        [p.repo, p.pr, p.project, p.status, JSON.stringify(p)],
      );
    },
    async previewsOf(repo, pr) {
      return pr === undefined
        ? records(await pool.query("SELECT record FROM previews WHERE repo = $1 ORDER BY pr, project", [repo]))
        : records(await pool.query("SELECT record FROM previews WHERE repo = $1 AND pr = $2 ORDER BY project", [repo, pr]));
    },
    async activePreviews() {
      return records(await pool.query("SELECT record FROM previews WHERE status <> 'destroyed' ORDER BY repo, pr, project"));
    },
    async getPreview(k) {
      return records(
        await pool.query("SELECT record FROM previews WHERE repo = $1 AND pr = $2 AND project = $3", [k.repo, k.pr, k.project]),
      )[0];
    },
  };
}

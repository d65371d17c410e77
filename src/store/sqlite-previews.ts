import type Database from "better-sqlite3";
import type { PreviewRecord } from "../model/preview.js";
import type { PreviewStore } from "./preview-store.js";

export const SQLITE_PREVIEWS_SCHEMA = `
CREATE TABLE IF NOT EXISTS previews (
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  project TEXT NOT NULL,
  status TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (repo, pr, project)
);
CREATE INDEX IF NOT EXISTS previews_status ON previews (status);
`;

const toRecord = (row: unknown) => JSON.parse((row as { record: string }).record) as PreviewRecord;

export function sqlitePreviewMethods(db: Database.Database): PreviewStore {
  const upsert = db.prepare(
    `INSERT INTO previews (repo, pr, project, status, record) VALUES (@repo, @pr, @project, @status, @record)
     ON CONFLICT (repo, pr, project) DO UPDATE SET status = excluded.status, record = excluded.record`,
  );
  const ofRepo = db.prepare("SELECT record FROM previews WHERE repo = ? ORDER BY pr, project");
  const ofPr = db.prepare("SELECT record FROM previews WHERE repo = ? AND pr = ? ORDER BY project");
  const active = db.prepare("SELECT record FROM previews WHERE status != 'destroyed' ORDER BY repo, pr, project");
  const one = db.prepare("SELECT record FROM previews WHERE repo = ? AND pr = ? AND project = ?");
  return {
    async savePreview(p) {
      upsert.run({ repo: p.repo, pr: p.pr, project: p.project, status: p.status, record: JSON.stringify(p) });
    },
    async previewsOf(repo, pr) {
      return (pr === undefined ? ofRepo.all(repo) : ofPr.all(repo, pr)).map(toRecord);
    },
    async activePreviews() {
      return active.all().map(toRecord);
    },
    async getPreview(k) {
      const row = one.get(k.repo, k.pr, k.project);
      return row ? toRecord(row) : undefined;
    },
  };
}

import type Database from "better-sqlite3";
import type { DriftIssue } from "../model/drift-issue.js";
import type { DriftIssueMethods } from "./store.js";
import { writeTransaction } from "./sqlite-write-tx.js";

interface Row {
  repo: string;
  number: number;
  project: string;
  first_seen: string;
  comment_ids: string;
  plan_id: number | null;
  plan_hash: string | null;
  head_sha: string | null;
  open: number;
}

function toIssue(r: Row): DriftIssue {
  return {
    repo: r.repo,
    project: r.project,
    number: r.number,
    firstSeen: r.first_seen,
    commentIds: JSON.parse(r.comment_ids) as number[],
    ...(r.plan_id !== null && r.plan_hash !== null && r.head_sha !== null
      ? { plan: { id: r.plan_id, hash: r.plan_hash, headSha: r.head_sha } }
      : {}),
    open: r.open === 1,
  };
}

export function sqliteDriftIssueMethods(db: Database.Database): DriftIssueMethods {
  const recordTx = writeTransaction(db, (repo: string, project: string, number: number, firstSeen: string) => {
    const known = db.prepare("SELECT 1 FROM drift_issues WHERE repo = ? AND number = ?").get(repo, number);
    if (known) return;
    db.prepare("UPDATE drift_issues SET open = 0 WHERE repo = ? AND project = ? AND open = 1").run(repo, project);
    db.prepare("INSERT INTO drift_issues (repo, number, project, first_seen) VALUES (?, ?, ?, ?)").run(repo, number, project, firstSeen);
  });
  return {
    async recordDriftIssue(i) {
      recordTx(i.repo, i.project, i.number, i.firstSeen);
    },
    async driftIssue(repo, number) {
      const row = db.prepare("SELECT * FROM drift_issues WHERE repo = ? AND number = ?").get(repo, number) as Row | undefined;
      return row ? toIssue(row) : undefined;
    },
    async openDriftIssues(repo) {
      const rows = db.prepare("SELECT * FROM drift_issues WHERE repo = ? AND open = 1 ORDER BY project").all(repo) as Row[];
      return rows.map(toIssue);
    },
    async updateDriftIssue(repo, number, patch) {
      const sets: string[] = [];
      const values: unknown[] = [];
      if (patch.commentIds !== undefined) {
        sets.push("comment_ids = ?");
        values.push(JSON.stringify(patch.commentIds));
      }
      if (patch.plan !== undefined) {
        sets.push("plan_id = ?", "plan_hash = ?", "head_sha = ?");
        values.push(patch.plan?.id ?? null, patch.plan?.hash ?? null, patch.plan?.headSha ?? null);
      }
      if (patch.open !== undefined) {
        sets.push("open = ?");
        values.push(patch.open ? 1 : 0);
      }
      if (sets.length === 0) return;
      db.prepare(`UPDATE drift_issues SET ${sets.join(", ")} WHERE repo = ? AND number = ?`).run(...values, repo, number);
    },
  };
}

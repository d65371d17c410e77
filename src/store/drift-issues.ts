import type { DriftIssue } from "../model/drift-issue.js";
import { bool, json } from "./db/db.js";
import type { StoreDriver } from "./store-driver.js";
import type { DriftIssueMethods } from "./store.js";

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
    commentIds: json<number[]>(r.comment_ids),
    ...(r.plan_id !== null && r.plan_hash !== null && r.head_sha !== null
      ? { plan: { id: r.plan_id, hash: r.plan_hash, headSha: r.head_sha } }
      : {}),
    open: bool(r.open),
  };
}

/** Drift issues Sluice opened: at most one open per project (a partial unique index). */
export function driftIssues({ db }: StoreDriver): DriftIssueMethods {
  return {
    async recordDriftIssue(i) {
      await db.tx(function* (t) {
        // Processes recording issues of one project take turns: the newest becomes its open one.
        yield* t.serialize("drift-issue", JSON.stringify([i.repo, i.project]));
        if (yield* t.get("SELECT 1 AS known FROM drift_issues WHERE repo = ? AND number = ?", [i.repo, i.number])) return;
        yield* t.run("UPDATE drift_issues SET open = ? WHERE repo = ? AND project = ? AND open", [false, i.repo, i.project]);
        yield* t.run("INSERT INTO drift_issues (repo, number, project, first_seen) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", [
          i.repo,
          i.number,
          i.project,
          i.firstSeen,
        ]);
      });
    },
    async driftIssue(repo, number) {
      const row = await db.get<Row>("SELECT * FROM drift_issues WHERE repo = ? AND number = ?", [repo, number]);
      return row ? toIssue(row) : undefined;
    },
    async openDriftIssues(repo) {
      const rows = await db.all<Row>("SELECT * FROM drift_issues WHERE repo = ? AND open ORDER BY project", [repo]);
      return rows.map(toIssue);
    },
    async updateDriftIssue(repo, number, patch) {
      const sets: string[] = [];
      const values: (string | number | boolean | null)[] = [];
      const set = (column: string, value: string | number | boolean | null) => {
        sets.push(`${column} = ?`);
        values.push(value);
      };
      if (patch.commentIds !== undefined) set("comment_ids", JSON.stringify(patch.commentIds));
      if (patch.plan !== undefined) {
        set("plan_id", patch.plan?.id ?? null);
        set("plan_hash", patch.plan?.hash ?? null);
        set("head_sha", patch.plan?.headSha ?? null);
      }
      if (patch.open !== undefined) set("open", patch.open);
      if (sets.length === 0) return;
      await db.run(`UPDATE drift_issues SET ${sets.join(", ")} WHERE repo = ? AND number = ?`, [...values, repo, number]);
    },
  };
}

import type pg from "pg";
import type { DriftIssue } from "../model/drift-issue.js";
import { advisoryKey } from "./advisory-key.js";
import { inTransaction } from "./db/postgres-transaction.js";
import type { DriftIssueMethods } from "./store.js";

interface Row {
  repo: string;
  number: number;
  project: string;
  first_seen: string;
  comment_ids: number[];
  plan_id: number | null;
  plan_hash: string | null;
  head_sha: string | null;
  open: boolean;
}

function toIssue(r: Row): DriftIssue {
  return {
    repo: r.repo,
    project: r.project,
    number: r.number,
    firstSeen: r.first_seen,
    commentIds: r.comment_ids,
    ...(r.plan_id !== null && r.plan_hash !== null && r.head_sha !== null
      ? { plan: { id: r.plan_id, hash: r.plan_hash, headSha: r.head_sha } }
      : {}),
    open: r.open,
  };
}

export function postgresDriftIssueMethods(pool: pg.Pool): DriftIssueMethods {
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await pool.query<R>(text, values)).rows;
  return {
    async recordDriftIssue(i) {
      await inTransaction(pool, async (c) => {
        // Replicas recording issues of one project take turns: the newest becomes its open one.
        await c.query("SELECT pg_advisory_xact_lock($1::bigint)", [advisoryKey("drift-issue", JSON.stringify([i.repo, i.project]))]);
        const known = await c.query("SELECT 1 FROM drift_issues WHERE repo = $1 AND number = $2", [i.repo, i.number]);
        if (known.rowCount) return;
        await c.query("UPDATE drift_issues SET open = false WHERE repo = $1 AND project = $2 AND open", [i.repo, i.project]);
        await c.query("INSERT INTO drift_issues (repo, number, project, first_seen) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", [
          i.repo,
          i.number,
          i.project,
          i.firstSeen,
        ]);
      });
    },
    async driftIssue(repo, number) {
      const rows = await query<Row>("SELECT * FROM drift_issues WHERE repo = $1 AND number = $2", [repo, number]);
      return rows[0] ? toIssue(rows[0]) : undefined;
    },
    async openDriftIssues(repo) {
      const rows = await query<Row>("SELECT * FROM drift_issues WHERE repo = $1 AND open ORDER BY project", [repo]);
      return rows.map(toIssue);
    },
    async updateDriftIssue(repo, number, patch) {
      const sets: string[] = [];
      const values: unknown[] = [repo, number];
      const set = (column: string, value: unknown) => {
        values.push(value);
        sets.push(`${column} = $${values.length}`);
      };
      if (patch.commentIds !== undefined) set("comment_ids", JSON.stringify(patch.commentIds));
      if (patch.plan !== undefined) {
        set("plan_id", patch.plan?.id ?? null);
        set("plan_hash", patch.plan?.hash ?? null);
        set("head_sha", patch.plan?.headSha ?? null);
      }
      if (patch.open !== undefined) set("open", patch.open);
      if (sets.length === 0) return;
      await query(`UPDATE drift_issues SET ${sets.join(", ")} WHERE repo = $1 AND number = $2`, values);
    },
  };
}

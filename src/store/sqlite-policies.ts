import type Database from "better-sqlite3";
import type { PolicyApproval, PolicyCheck } from "../model/policy-check.js";
import type { PolicyStore } from "./policy-store.js";
import { writeTransaction } from "./sqlite-write-tx.js";

const SQLITE_POLICY_SCHEMA = `
CREATE TABLE IF NOT EXISTS policy_checks (
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  plan_hash TEXT NOT NULL,
  outcome TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (repo, pr, plan_hash)
);
CREATE TABLE IF NOT EXISTS policy_approvals (
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  plan_hash TEXT NOT NULL,
  policy_set TEXT NOT NULL,
  user TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (repo, pr, plan_hash, policy_set, user)
);
`;

export function sqlitePolicyMethods(db: Database.Database): PolicyStore {
  db.exec(SQLITE_POLICY_SCHEMA);
  const now = () => new Date().toISOString();
  const approve = writeTransaction(db, (repo: string, pr: number, hash: string, user: string, sets: string[]) => {
    const insert = db.prepare(
      "INSERT INTO policy_approvals (repo, pr, plan_hash, policy_set, user, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    );
    for (const set of sets) insert.run(repo, pr, hash, set, user, now());
  });
  return {
    async savePolicyCheck(k, check) {
      db.prepare(
        `INSERT INTO policy_checks (repo, pr, plan_hash, outcome, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (repo, pr, plan_hash) DO UPDATE SET outcome = excluded.outcome, created_at = excluded.created_at`,
      ).run(k.repo, k.pr, k.planHash, JSON.stringify(check), now());
    },
    async policyCheckOf(k) {
      const row = db
        .prepare("SELECT outcome FROM policy_checks WHERE repo = ? AND pr = ? AND plan_hash = ?")
        .get(k.repo, k.pr, k.planHash) as { outcome: string } | undefined;
      return row ? (JSON.parse(row.outcome) as PolicyCheck) : undefined;
    },
    async approvePolicies(k, user, sets) {
      approve(k.repo, k.pr, k.planHash, user, sets);
    },
    async policyApprovals(k) {
      const rows = db
        .prepare("SELECT policy_set, user FROM policy_approvals WHERE repo = ? AND pr = ? AND plan_hash = ? ORDER BY rowid")
        .all(k.repo, k.pr, k.planHash) as { policy_set: string; user: string }[];
      return rows.map((r): PolicyApproval => ({ policySet: r.policy_set, user: r.user }));
    },
    async clearPolicyApprovals(k) {
      return db.prepare("DELETE FROM policy_approvals WHERE repo = ? AND pr = ? AND plan_hash = ?").run(k.repo, k.pr, k.planHash).changes;
    },
  };
}

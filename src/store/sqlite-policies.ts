import type Database from "better-sqlite3";
import type { PolicyApproval, PolicyCheck } from "../model/policy-check.js";
import type { PolicyStore } from "./policy-store.js";
import { writeTransaction } from "./sqlite-write-tx.js";

export function sqlitePolicyMethods(db: Database.Database): PolicyStore {
  const now = () => new Date().toISOString();
  const approve = writeTransaction(db, (repo: string, pr: number, hash: string, user: string, sets: string[]) => {
    const insert = db.prepare(
      "INSERT INTO policy_approvals (repo, pr, plan_hash, policy_set, login, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
        .prepare("SELECT policy_set, login FROM policy_approvals WHERE repo = ? AND pr = ? AND plan_hash = ? ORDER BY id")
        .all(k.repo, k.pr, k.planHash) as { policy_set: string; login: string }[];
      return rows.map((r): PolicyApproval => ({ policySet: r.policy_set, user: r.login }));
    },
    async clearPolicyApprovals(k) {
      return db.prepare("DELETE FROM policy_approvals WHERE repo = ? AND pr = ? AND plan_hash = ?").run(k.repo, k.pr, k.planHash).changes;
    },
  };
}

import type pg from "pg";
import type { PolicyApproval, PolicyCheck } from "../model/policy-check.js";
import type { PolicyStore } from "./policy-store.js";

export function postgresPolicyMethods(pool: pg.Pool): PolicyStore {
  return {
    async savePolicyCheck(k, check) {
      await pool.query(
        `INSERT INTO policy_checks (repo, pr, plan_hash, outcome) VALUES ($1, $2, $3, $4)
         ON CONFLICT (repo, pr, plan_hash) DO UPDATE SET outcome = excluded.outcome, created_at = now()`,
        [k.repo, k.pr, k.planHash, JSON.stringify(check)],
      );
    },
    async policyCheckOf(k) {
      const { rows } = await pool.query<{ outcome: PolicyCheck }>(
        "SELECT outcome FROM policy_checks WHERE repo = $1 AND pr = $2 AND plan_hash = $3",
        [k.repo, k.pr, k.planHash],
      );
      return rows[0]?.outcome;
    },
    async approvePolicies(k, user, sets) {
      if (sets.length === 0) return;
      // One statement: all sets are recorded, or none.
      await pool.query(
        `INSERT INTO policy_approvals (repo, pr, plan_hash, policy_set, login)
         SELECT $1, $2, $3, s, $4 FROM unnest($5::text[]) WITH ORDINALITY AS t(s, n) ORDER BY n
         ON CONFLICT DO NOTHING`,
        [k.repo, k.pr, k.planHash, user, sets],
      );
    },
    async policyApprovals(k) {
      const { rows } = await pool.query<{ policy_set: string; login: string }>(
        "SELECT policy_set, login FROM policy_approvals WHERE repo = $1 AND pr = $2 AND plan_hash = $3 ORDER BY id",
        [k.repo, k.pr, k.planHash],
      );
      return rows.map((r): PolicyApproval => ({ policySet: r.policy_set, user: r.login }));
    },
    async clearPolicyApprovals(k) {
      const r = await pool.query("DELETE FROM policy_approvals WHERE repo = $1 AND pr = $2 AND plan_hash = $3", [k.repo, k.pr, k.planHash]);
      return r.rowCount ?? 0;
    },
  };
}

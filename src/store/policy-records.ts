import { type PolicyApproval, type PolicyCheck, sameFailures } from "../model/policy-check.js";
import { json, type Tx, type TxBody } from "./db/db.js";
import type { PlanKey, PolicyStore } from "./policy-store.js";
import { repositoryNow } from "./repository-moves.js";
import { type StoreDriver, now } from "./store-driver.js";

/** Policy check outcomes and approvals, keyed by the plan's hash. */
export function policyRecords({ db }: StoreDriver): PolicyStore {
  return {
    async savePolicyCheck(asked, check) {
      await db.tx(function* (t) {
        // Saved with its plan, under the name the plan was (a job that began before a rename).
        const k = { ...asked, repo: yield* repositoryNow(t, asked.repo) };
        // Two plans made alike within a second are the same bytes, so the same hash: a policy
        // changed between them replaces the outcome, and an approval of a set that now fails
        // otherwise was not given for these failures.
        yield* serializePlanKey(t, k);
        const old = yield* checkIn(t, k);
        for (const set of check.sets) {
          if (
            !old ||
            sameFailures(
              old.sets.find((s) => s.name === set.name),
              set,
            )
          )
            continue;
          yield* t.run("DELETE FROM policy_approvals WHERE repo = ? AND pr = ? AND plan_hash = ? AND policy_set = ?", [
            k.repo,
            k.pr,
            k.planHash,
            set.name,
          ]);
        }
        yield* t.run(
          `INSERT INTO policy_checks (repo, pr, plan_hash, outcome, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (repo, pr, plan_hash) DO UPDATE SET outcome = excluded.outcome, created_at = excluded.created_at`,
          [k.repo, k.pr, k.planHash, check, now()],
        );
      });
    },
    async policyCheckOf(k) {
      const row = await db.get<{ outcome: string }>("SELECT outcome FROM policy_checks WHERE repo = ? AND pr = ? AND plan_hash = ?", [
        k.repo,
        k.pr,
        k.planHash,
      ]);
      return row ? json<PolicyCheck>(row.outcome) : undefined;
    },
    async approvePolicies(k, user, sets, seen, userId) {
      // One transaction, with the check read in it: a plan made again alike (the same hash) whose
      // set now fails otherwise, saved between the approver's reading and this, drops that set's
      // approvals (savePolicyCheck); one recorded after it would approve failures nobody read.
      return db.tx(function* (t) {
        yield* serializePlanKey(t, k);
        const current = yield* checkIn(t, k);
        const recorded: string[] = [];
        for (const set of sets) {
          const named = (check: PolicyCheck | undefined) => check?.sets.find((s) => s.name === set);
          if (!sameFailures(named(seen), named(current))) continue;
          // Approved again by its giver after an upgrade: the account id it lacked is kept from now on.
          yield* t.run(
            `INSERT INTO policy_approvals (repo, pr, plan_hash, policy_set, login, created_at, login_id) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (repo, pr, plan_hash, policy_set, login) DO UPDATE SET login_id = COALESCE(policy_approvals.login_id, excluded.login_id)`,
            [k.repo, k.pr, k.planHash, set, user, now(), userId ?? null],
          );
          recorded.push(set);
        }
        return recorded;
      });
    },
    async policyApprovals(k) {
      const rows = await db.all<{ policy_set: string; login: string; login_id: number | string | null }>(
        "SELECT policy_set, login, login_id FROM policy_approvals WHERE repo = ? AND pr = ? AND plan_hash = ? ORDER BY id",
        [k.repo, k.pr, k.planHash],
      );
      return rows.map(
        (r): PolicyApproval => ({ policySet: r.policy_set, user: r.login, ...(r.login_id !== null ? { userId: Number(r.login_id) } : {}) }),
      );
    },
    async clearPolicyApprovals(k) {
      return (await db.run("DELETE FROM policy_approvals WHERE repo = ? AND pr = ? AND plan_hash = ?", [k.repo, k.pr, k.planHash])).changes;
    },
  };
}

/**
 * A re-check and an approval of one plan take turns: under PostgreSQL's READ COMMITTED a re-check
 * saved by another replica between an approval's read and its insert would find no approval to
 * drop, and the approval, checked against what it read, would then approve failures nobody read.
 */
function* serializePlanKey(t: Tx, k: PlanKey): TxBody<void> {
  yield* t.serialize("policy", JSON.stringify([k.repo, k.pr, k.planHash]));
}

/** The plan's policy check as the transaction reads it. */
function* checkIn(t: Tx, k: PlanKey): TxBody<PolicyCheck | undefined> {
  const row = yield* t.get<{ outcome: string }>("SELECT outcome FROM policy_checks WHERE repo = ? AND pr = ? AND plan_hash = ?", [
    k.repo,
    k.pr,
    k.planHash,
  ]);
  return row ? json<PolicyCheck>(row.outcome) : undefined;
}

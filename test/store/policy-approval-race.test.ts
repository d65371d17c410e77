import { expect, it } from "vitest";
import type { PolicyCheck } from "../../src/model/policy-check.js";
import type { Store } from "../../src/store/store.js";
import { waitForLockWait } from "../support/postgres.js";
import { postgresSuite, raceStores } from "../support/postgres-replicas.js";

// Two replicas on one PostgreSQL (READ COMMITTED): an `/approve_policies` whose transaction read the
// plan's check before another replica saved a re-check of the same hash (a reworded policy) must
// not record its approval after that save, as SQLite's one writer at a time never lets it.
const key = { repo: "acme/infra", pr: 9, planHash: "sha256:same" };
const failing = (...failures: string[]): PolicyCheck => ({
  sets: [{ name: "deny", status: "failed", successes: 0, failures, warnings: [] }],
});

postgresSuite("policy approval against a re-check on another replica (PostgreSQL)", () => {
  const fresh = raceStores();

  /** Runs `during` while replica A's approval has read the check and waits to insert its row. */
  async function approvalHeldAtItsInsert(during: (b: Store) => Promise<void>) {
    return fresh({ replicas: ["a", "b"], clients: ["admin"] }, async ({ stores: { a, b }, clients: { admin } }) => {
      const seen = failing("x: needs review");
      await a.savePolicyCheck(key, seen);
      // An uncommitted row on the approval's unique key holds A's insert (not its read) until rollback.
      await admin.query("BEGIN");
      await admin.query(
        "INSERT INTO policy_approvals (repo, pr, plan_hash, policy_set, login, created_at) VALUES ($1, $2, $3, 'deny', 'sec', now())",
        [key.repo, key.pr, key.planHash],
      );
      const approving = a.approvePolicies(key, "sec", ["deny"], seen);
      await waitForLockWait(admin, "the approval never waited at its insert");
      const saving = during(b);
      // Whatever B does either ran (the race) or waits its turn behind A (none): give it the time.
      await Promise.race([saving, new Promise((r) => setTimeout(r, 500))]);
      await admin.query("ROLLBACK");
      const recorded = await approving;
      await saving;
      return { recorded, approvals: await b.policyApprovals(key), check: await b.policyCheckOf(key) };
    });
  }

  it("a policy reworded and saved by another replica after the approval read the check: the approval of what nobody read is not kept", async () => {
    const reworded = failing("x: reworded");
    const { approvals, check } = await approvalHeldAtItsInsert((b) => b.savePolicyCheck(key, reworded));
    expect(check).toEqual(reworded);
    expect(approvals).toEqual([]);
  }, 30_000);

  it("control: the same failures saved again meanwhile keep the approval", async () => {
    const { recorded, approvals } = await approvalHeldAtItsInsert((b) => b.savePolicyCheck(key, failing("x: needs review")));
    expect(recorded).toEqual(["deny"]);
    expect(approvals).toEqual([{ policySet: "deny", user: "sec" }]);
  }, 30_000);
});

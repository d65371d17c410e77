import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyCheck } from "../../src/model/policy-check.js";
import { openPostgresStore } from "../../src/store/postgres-store.js";
import type { Store } from "../../src/store/store.js";
import { createTestDatabase, postgresAvailability, startPostgres, type TestPostgres, waitForLockWait } from "../support/postgres.js";

// Two replicas on one PostgreSQL (READ COMMITTED): an `/approve_policies` whose transaction read the
// plan's check before another replica saved a re-check of the same hash (a reworded policy) must
// not record its approval after that save, as SQLite's one writer at a time never lets it.
const available = postgresAvailability().ok;
const quiet = { warn: () => undefined };
const key = { repo: "acme/infra", pr: 9, planHash: "sha256:same" };
const failing = (...failures: string[]): PolicyCheck => ({
  sets: [{ name: "deny", status: "failed", successes: 0, failures, warnings: [] }],
});

describe.runIf(available)("policy approval against a re-check on another replica (PostgreSQL)", () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  /** Runs `during` while replica A's approval has read the check and waits to insert its row. */
  async function approvalHeldAtItsInsert(during: (b: Store) => Promise<void>) {
    const db = await createTestDatabase(server.url);
    const a = await openPostgresStore(db.url, { replicaName: "a", log: quiet });
    const b = await openPostgresStore(db.url, { replicaName: "b", log: quiet });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
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
    } finally {
      await admin.end();
      await a.close();
      await b.close();
      await db.stop();
    }
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

import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";
import { removeDir, startApp } from "../support/start-app.js";
import { nextSecond } from "./trust-holes-support.js";
import { simulatorAppEnv } from "../simulator/app-env.js";

const available = postgresAvailability();
// In CI a missing PostgreSQL is a failure, not a skip (see .ci/run).
const suite = available.ok || process.env.CI ? describe : describe.skip;

const MODULE_CALL = 'module "label" {\n  source = "./label"\n}\n';

const LABEL = 'resource "terraform_data" "label" {\n  input = "label"\n}\n';

let db: TestPostgres;
let h: Harness;
beforeAll(async () => {
  if (!available.ok && !process.env.CI) return;
  db = await startPostgres();
  h = await startHarness({ env: { DATABASE_URL: db.url } });
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await db?.stop();
});

async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await client.query<R>(text, values);
  } finally {
    await client.end();
  }
}

/**
 * The replica that made the plans goes away with its data dir (another machine's disk); the next
 * one on the same database has a data dir of its own, and gets the webhooks from now on.
 */
async function anotherReplica(): Promise<void> {
  const before = h.app;
  await before.kill("SIGTERM");
  await removeDir(before.dataDir);
  h.app = await startApp({
    env: {
      ...simulatorAppEnv(h.sim, h.secret),
      DATABASE_URL: db.url,
      SLUICE_SANDBOX_PATHS: h.stateDir,
    },
  });
  h.sim.setWebhookTarget(h.app.url);
  expect(h.app.dataDir).not.toBe(before.dataDir);
}

suite(`saved plans in the shared store${available.ok ? "" : `: ${available.reason}`}`, () => {
  it("a plan made on replica A is applied by replica B (its own data dir); a stored plan changed in the database (bytes and sha256) is refused", async () => {
    const netState = join(h.stateDir, "net.tfstate");
    const appState = join(h.stateDir, "app.tfstate");
    for (const u of ["alice", "bob"]) h.sim.setPermission("acme/replicas", u, "write");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "replicas",
      files: { "net/main.tf": statefulProject("net", netState, 0), "app/main.tf": statefulProject("app", appState, 0) },
    });
    // net calls a local module: applying its plan needs `init` (modules installed in TF_DATA_DIR) first.
    await h.sim.pushBranch(repo, {
      branch: "grow",
      files: {
        "net/main.tf": statefulProject("net", netState, 2, MODULE_CALL),
        "net/label/main.tf": LABEL,
        "app/main.tf": statefulProject("app", appState, 1),
      },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    const completed = (name: string) => () => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === name && c.status === "completed");
    await h.sim.waitFor(completed("sluice/plan"), { timeoutMs: 90_000 });
    const stored = await sql<{ project: string; plan_hash: string; sha256: string; size: string; has_bytes: boolean }>(
      `SELECT p.project, p.plan_hash, f.sha256, f.size, f.bytes IS NOT NULL AS has_bytes
       FROM plans p JOIN plan_files f ON f.plan_id = p.id WHERE p.status = 'pending' ORDER BY p.project`,
    );
    expect(stored.rows.map((r) => [r.project, r.has_bytes, r.sha256 === r.plan_hash])).toEqual([
      ["app", true, true],
      ["net", true, true],
    ]);

    await anotherReplica();

    // Someone with access to the database changes app's stored plan, and the sha256 recorded beside it.
    const tampered = await sql(
      `UPDATE plan_files SET bytes = bytes || '\\x00'::bytea, sha256 = encode(sha256(bytes || '\\x00'::bytea), 'hex')
       WHERE plan_id = (SELECT id FROM plans WHERE project = 'app' AND status = 'pending')`,
    );
    expect(tampered.rowCount).toBe(1);
    await sql(
      `UPDATE plans p SET plan_hash = f.sha256 FROM plan_files f
       WHERE f.plan_id = p.id AND p.project = 'app' AND p.status = 'pending'`,
    );

    await nextSecond();
    await h.sim.approve(repo, pr.number, "bob");
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await h.sim.waitFor(completed("sluice/apply"), { timeoutMs: 120_000 });

    expect(await stateResources(netState)).toEqual(["terraform_data.label", "terraform_data.net_0", "terraform_data.net_1"]);
    expect(await stateResources(appState)).toEqual([]);
    const reply =
      h.sim
        .comments(repo, pr.number)
        .filter((c) => c.user === "sluice[bot]")
        .at(-1)?.body ?? "";
    expect(reply).toContain("the store's copy of the saved plan does not carry this Sluice's signature");
    expect(h.app.output()).toContain("applying project");
    // The applied plan's bytes are gone from the store; the refused one's stay with its pending plan.
    const left = await sql<{ project: string }>("SELECT p.project FROM plan_files f JOIN plans p ON p.id = f.plan_id ORDER BY p.project");
    expect(left.rows.map((r) => r.project)).toEqual(["app"]);

    // Closing the PR discards its plans, and their bytes with them.
    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    await h.sim.waitFor(() => h.app.output().includes("pull request closed"), { timeoutMs: 60_000 });
    expect((await sql("SELECT plan_id FROM plan_files")).rows).toEqual([]);
    expect((await sql("SELECT id FROM plans WHERE status = 'pending'")).rows).toEqual([]);
  }, 300_000);

  it("/apply on a drift issue applies the plan another replica's drift check made", async () => {
    const state = join(h.stateDir, "drift.tfstate");
    h.sim.setPermission("acme/replica-drift", "alice", "write");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "replica-drift",
      files: { "net/main.tf": statefulProject("net", state, 1, MODULE_CALL), "net/label/main.tf": LABEL },
    });
    // Nothing of it is applied yet: `/drift` reports it in an issue, with the plan saved under the issue.
    await h.sim.pushBranch(repo, { branch: "docs", files: { "README.md": "docs\n" } });
    const pr = await h.sim.openPullRequest(repo, { head: "docs", author: "alice" });
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/drift" });
    const driftIssue = () => h.sim.issues(repo).find((i) => i.labels.includes("sluice:drift"));
    await h.sim.waitFor(() => driftIssue() !== undefined, { message: "no drift issue", timeoutMs: 90_000 });
    const issue = driftIssue() as NonNullable<ReturnType<typeof driftIssue>>;

    await anotherReplica();
    await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
    const replies = () =>
      h.sim.comments(repo, issue.number).filter((c) => c.user === "sluice[bot]" && /Applied|Not applied|failed/.test(c.body));
    await h.sim.waitFor(() => replies().length > 0, { message: "no answer to /apply on the issue", timeoutMs: 90_000 });
    expect(replies()[0]?.body).toContain("Applied the plan");
    expect(await stateResources(state)).toEqual(["terraform_data.label", "terraform_data.net_0"]);
  }, 300_000);

  it("a plan made before its repository was renamed is applied under the new name by another replica", async () => {
    const state = join(h.stateDir, "moving.tfstate");
    const repo = await h.sim.createRepo({ owner: "acme", name: "moving", files: { "net/main.tf": statefulProject("net", state, 0) } });
    for (const u of ["alice", "bob"]) h.sim.setPermission(repo, u, "write");
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    const completed = (name: string) => () => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === name && c.status === "completed");
    await h.sim.waitFor(completed("sluice/plan"), { timeoutMs: 90_000 });
    expect((await h.sim.moveRepository(repo, { name: "moved", sender: "octo-admin" }))?.status).toBe(202);
    // The plan's store copy was signed under acme/moving; the replica applying it has no file of it.
    await anotherReplica();
    await nextSecond();
    await h.sim.approve(repo, pr.number, "bob");
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await h.sim.waitFor(completed("sluice/apply"), { timeoutMs: 120_000 });
    const reply =
      h.sim
        .comments(repo, pr.number)
        .filter((c) => c.user === "sluice[bot]")
        .at(-1)?.body ?? "";
    expect(reply).not.toContain("does not carry this Sluice's signature");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  }, 300_000);
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { runJob } from "../../../src/jobs/run-job.js";
import type { Job, JobSpec } from "../../../src/model/job.js";
import { openSqliteStore } from "../../../src/store/sqlite-store.js";
import { type FakeJobDeps, fakeJobDeps } from "../../fakes/fake-job-deps.js";

// A /drift resume lifts the pause older than it in one conditional step, then reads what is left.
// A newer pause landing right after that step (a failed reconcile's, on another replica; a trigger
// of the real SQLite file stands in for it) must not hide that the older one was lifted.

const REPO = { owner: "acme", name: "infra" };
const MAIN = "d".repeat(40);
let deps: FakeJobDeps | undefined;
let dir: string | undefined;
afterEach(async () => {
  await deps?.store.close();
  await deps?.fakeWorkspace.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
  deps = undefined;
  dir = undefined;
});

async function setup() {
  dir = await mkdtemp(join(tmpdir(), "sluice-drift-resume-"));
  const file = join(dir, "sluice.db");
  deps = await fakeJobDeps({ store: await openSqliteStore(file) });
  deps.fakeWorkspace.commit(MAIN, { "net/main.tf": 'resource "terraform_data" "x" {}\n' });
  deps.vcs.permissions.set("alice", "write");
  return { deps, file };
}

async function resume(d: FakeJobDeps): Promise<Job> {
  const spec: JobSpec = {
    kind: "drift-pause",
    action: "resume",
    project: "net",
    commentId: 42,
    actor: "alice",
    commentAt: new Date(Date.now() + 1_000).toISOString(),
  };
  const id = await d.store.enqueueInternal({ installationId: 1, repo: REPO, cloneUrl: "http://git.example/acme/infra.git", pr: 12 }, spec);
  return (await d.store.getJob(id)) as Job;
}

describe("/drift resume whose lift a newer pause follows at once", () => {
  it("records the resume it made (drift-resume audited) and says the newer pause holds", async () => {
    const { deps: d, file } = await setup();
    await d.store.setDriftPause("acme/infra", "net", { actor: "bob", reason: "maintenance" });
    const db = new Database(file);
    const later = new Date(Date.now() + 60_000).toISOString();
    db.exec(`CREATE TRIGGER another_replica AFTER DELETE ON drift_pauses WHEN old.project = 'net'
      BEGIN INSERT INTO drift_pauses (repo, project, actor, reason, created_at) VALUES (old.repo, 'net', 'sluice', 'the reconcile''s apply failed', '${later}'); END`);
    db.close();
    await runJob(await resume(d), d);
    expect(await d.store.driftPauses("acme/infra")).toMatchObject([{ project: "net", reason: "the reconcile's apply failed" }]);
    expect(await d.store.auditEvents({ action: "drift-resume" })).toHaveLength(1);
    expect(d.vcs.comments.at(-1)?.body).toContain("a newer pause of it holds");
  });

  it("control: with no newer pause, resumed and audited once", async () => {
    const { deps: d } = await setup();
    await d.store.setDriftPause("acme/infra", "net", { actor: "bob", reason: "maintenance" });
    await runJob(await resume(d), d);
    expect(await d.store.driftPauses("acme/infra")).toEqual([]);
    expect(await d.store.auditEvents({ action: "drift-resume" })).toHaveLength(1);
    expect(d.vcs.comments.at(-1)?.body).toContain("is resumed");
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { runJob } from "../../src/jobs/run-job.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";
import { runningJob, writtenAt } from "../fakes/fake-jobs.js";
import { fakeUserId } from "../fakes/fake-vcs.js";

// A resume lifts the pause it saw in one conditional step, then reads what is left. Another
// replica's pause landing right after that step (a trigger of the real SQLite file stands in for
// it) must not hide that this resume did lift the older one: it is audited and said.

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const resume = (commentAt: string) =>
  runningJob({
    kind: "applies",
    command: { kind: "applies", action: "resume" },
    commentId: 77,
    actor: "root",
    actorId: fakeUserId("root"),
    ...writtenAt(commentAt),
  });

async function withStore() {
  dir = await mkdtemp(join(tmpdir(), "sluice-resume-audit-"));
  const file = join(dir, "sluice.db");
  const store = await openSqliteStore(file);
  const deps = await fakeJobDeps({ serverConfig: "admins: [root, ops]\n", store });
  deps.vcs.setPullRequest({ author: "alice" });
  return { deps, file };
}

/** Another replica's `/applies pause` lands the moment the pause row is deleted. */
function pauseRightAfterLift(file: string) {
  const db = new Database(file);
  const newer = JSON.stringify({ by: "ops", reason: "incident 44", at: new Date(Date.now() + 60_000).toISOString() });
  db.exec(`CREATE TRIGGER another_replica AFTER DELETE ON flags WHEN old.name = 'applies_paused'
    BEGIN INSERT INTO flags (name, value) VALUES ('applies_paused', '${newer}'); END`);
  db.close();
}

describe("/applies resume whose lift a newer pause follows at once", () => {
  it("records the resume it made and says the newer pause is on (not 'nothing changed')", async () => {
    const { deps, file } = await withStore();
    await deps.store.setAppliesPaused({ by: "root", reason: "maintenance" });
    pauseRightAfterLift(file);
    await runJob(resume(new Date(Date.now() + 1_000).toISOString()), deps);
    expect(await deps.store.appliesPaused()).toMatchObject({ by: "ops", reason: "incident 44" });
    const audit = await deps.store.auditEvents({ action: "resume" });
    expect(audit).toHaveLength(1);
    const said = deps.vcs.bodiesOn(1).join("\n");
    expect(said).not.toContain("Nothing changed");
    expect(said).toContain("incident 44");
  });

  it("control: with no newer pause, the resume lifts the pause, audited, and says so", async () => {
    const { deps } = await withStore();
    await deps.store.setAppliesPaused({ by: "root", reason: "maintenance" });
    await runJob(resume(new Date(Date.now() + 1_000).toISOString()), deps);
    expect(await deps.store.appliesPaused()).toBeUndefined();
    expect(await deps.store.auditEvents({ action: "resume" })).toHaveLength(1);
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain("Applies are resumed");
  });
});

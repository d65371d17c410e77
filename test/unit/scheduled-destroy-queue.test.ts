import { afterEach, describe, expect, it } from "vitest";
import { reportScheduledDestroy } from "../../src/jobs/preview/report-scheduled-destroy.js";
import { openJobContext } from "../../src/job-context/job-context.js";
import type { Job, JobSpec, JobTarget } from "../../src/model/job.js";
import { queueScheduledDestroys } from "../../src/preview/queue-scheduled-destroys.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { type FakeJobDeps, fakeJobDeps } from "../fakes/fake-job-deps.js";

const H = 3600_000;
const DRIFT: JobSpec = { kind: "drift-check", trigger: "schedule", actor: "sluice" };
const T0 = Date.parse("2026-12-01T00:00:00Z");
const target = (repo: string, pr: number, installationId = 1): JobTarget => ({
  installationId,
  repo: { owner: repo.split("/")[0] as string, name: repo.split("/")[1] as string },
  cloneUrl: `http://git.example/${repo}.git`,
  pr,
  ...(pr ? { payloadHeadSha: "a".repeat(40) } : {}),
});

async function applied(
  store: Store,
  repo: string,
  source: "pr" | "reconcile" | "drift-issue",
  outcome: "succeeded" | "failed" = "succeeded",
) {
  const id = await store.recordLiveApplyStart({
    repo,
    project: "app",
    dir: "app",
    workspace: "staging",
    commitSha: "b".repeat(40),
    source,
    number: source === "pr" ? 7 : 0,
    actor: "sluice",
    approvers: [],
    planHash: "h",
  });
  await store.recordLiveApplyEnd(id, outcome);
}

let store: Store | undefined;
let deps: FakeJobDeps | undefined;
afterEach(async () => {
  await store?.close();
  await deps?.store.close();
  store = undefined;
  deps = undefined;
});

describe("which repositories the hourly scheduled destroy check covers", () => {
  it("every repository with a successful apply by any road, reconcile alone included, with its latest job's target", async () => {
    store = openSqliteStore(":memory:");
    // Applied only by reconcile: its jobs are drift jobs of the default branch, no pull request.
    await store.enqueueInternal(target("acme/drifty", 0, 1), DRIFT);
    await store.enqueueInternal(target("acme/drifty", 0, 2), DRIFT);
    await applied(store, "acme/drifty", "reconcile");
    // Applied through a pull request.
    await store.enqueueInternal(target("acme/web", 7), { kind: "reply", body: "help", commentId: 1, actor: "alice" });
    await applied(store, "acme/web", "pr");
    // Only a failed apply: nothing of it is live.
    await store.enqueueInternal(target("acme/failed", 0), DRIFT);
    await applied(store, "acme/failed", "reconcile", "failed");
    // Applied (a record from an older install) but no job to take a target from: left out, not a fault.
    await applied(store, "acme/gone", "drift-issue");

    const queued = await queueScheduledDestroys(store, T0);
    const jobs = (await Promise.all(queued.map((id) => store?.getJob(id)))) as Job[];
    expect(jobs.map((j) => `${j.target.repo.owner}/${j.target.repo.name}`).sort()).toEqual(["acme/drifty", "acme/web"]);
    const drifty = jobs.find((j) => j.target.repo.name === "drifty");
    // The newest job's installation; a check of the default branch: no pull request, no head.
    expect(drifty?.target).toEqual({ ...target("acme/drifty", 0, 2) });
    expect(drifty?.spec).toEqual({ kind: "scheduled-destroy", actor: "sluice" });
    expect(jobs.find((j) => j.target.repo.name === "web")?.target).toEqual({ ...target("acme/web", 0) });

    // Once an hour per repository, across replicas and restarts: the hour is in the once-key.
    expect(await queueScheduledDestroys(store, T0 + H - 1)).toEqual([]);
    expect(await queueScheduledDestroys(store, T0 + H)).toHaveLength(2);
  });
});

describe("the attempts kept between checks", () => {
  it("are kept per workspace, replaced, and forgotten after the destroy", async () => {
    store = openSqliteStore(":memory:");
    const ws = { repo: "acme/web", project: "app", workspace: "staging" };
    const other = { ...ws, workspace: "demo" };
    expect(await store.destroyAttempts(ws)).toBeUndefined();
    const kept = { onceKey: "k", attempts: 1, startedAt: T0, nextAt: T0 + H, message: "boom" };
    await store.saveDestroyAttempts(ws, kept);
    await store.saveDestroyAttempts(ws, { ...kept, attempts: 2, nextAt: T0 + 3 * H, issue: 4 });
    await store.saveDestroyAttempts(other, kept);
    expect(await store.destroyAttempts(ws)).toEqual({ ...kept, attempts: 2, nextAt: T0 + 3 * H, issue: 4 });
    await store.saveDestroyAttempts(ws, undefined);
    expect(await store.destroyAttempts(ws)).toBeUndefined();
    expect(await store.destroyAttempts(other)).toEqual(kept);
    // The flags table's own row is untouched by them.
    expect(await store.appliesPaused()).toBeUndefined();
  });
});

describe("a report with no pull request to tell", () => {
  it("opens one issue at the first failure, comments there after, and the destroy closes it", async () => {
    deps = await fakeJobDeps();
    const id = await deps.store.enqueueInternal(target("acme/drifty", 0), { kind: "scheduled-destroy", project: "app", actor: "sluice" });
    const ctx = await openJobContext((await deps.store.getJob(id)) as Job, deps);
    const base = {
      project: { name: "app", dir: "app", workspace: "staging", runner: "terraform" as const },
      reason: "its `idle_ttl` (1h) passed",
      last: { id: 1, at: T0, number: 0, source: "reconcile" as const },
      head: { name: "main", sha: "c".repeat(40) },
    };
    const failed = { ok: false as const, refused: false, message: "boom" };
    const first = await reportScheduledDestroy(ctx, { ...base, attempt: 1, nextAt: T0 + H, outcome: failed, post: true });
    expect(deps.vcs.issues).toHaveLength(1);
    expect(first.issue).toBe(deps.vcs.issues[0]?.number);
    // The same failure: logged, not posted.
    expect(first.posted).toBe(true);
    expect(await reportScheduledDestroy(ctx, { ...base, attempt: 2, nextAt: T0 + 3 * H, outcome: failed, post: false, ...first })).toEqual({
      issue: first.issue,
      posted: false,
    });
    expect(deps.vcs.comments).toHaveLength(0);
    expect(deps.log.lines.filter((l) => l.msg === "scheduled destroy failed: boom")).toHaveLength(2);
    await reportScheduledDestroy(ctx, { ...base, attempt: 3, outcome: { ok: true, counts: "+0 ~0 -1" }, post: true, ...first });
    expect(deps.vcs.issues).toHaveLength(1);
    expect(deps.vcs.comments.map((c) => c.pr)).toEqual([first.issue]);
    expect(deps.vcs.comments[0]?.body).toContain("destroyed on attempt 3");
    expect(deps.vcs.issues[0]?.state).toBe("closed");
  });
});

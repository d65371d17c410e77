import { describe, expect, it } from "vitest";
import { startDriftScheduler } from "../../../src/drift/drift-scheduler.js";
import { runJob } from "../../../src/jobs/run-job.js";
import type { JobTarget } from "../../../src/model/job.js";
import { VcsError } from "../../../src/vcs/vcs-client.js";
import { type FakeJobDeps, fakeJobDeps } from "../../fakes/fake-job-deps.js";

const target: JobTarget = { installationId: 1, repo: { owner: "acme", name: "gone" }, cloneUrl: "https://x.test/acme/gone.git", pr: 0 };
const quiet = { info: () => undefined, error: () => undefined };
const t0 = Date.parse("2026-01-01T10:00:00Z");
const MINUTE = 60_000;

/** acme/gone has a drift schedule every minute; GitHub answers its default branch as `answer` says. */
async function scheduled(answer: () => Promise<never>) {
  const deps = await fakeJobDeps();
  deps.vcs.defaultBranch = answer;
  await deps.store.syncDriftSchedules("acme/gone", target, [{ cron: "* * * * *", projects: ["net"], nextRunAt: t0 }]);
  return deps;
}

/** The scheduler's tick at `at`, and each job it queued run as the worker runs it: its failures. */
async function tickAndRun(deps: FakeJobDeps, at: number): Promise<{ queued: number; failed: string[] }> {
  const s = startDriftScheduler({ store: deps.store, log: quiet, wake: () => undefined, now: () => at, tickMs: 3_600_000 });
  const jobs = await s.tick();
  s.stop();
  const failed: string[] = [];
  for (const id of jobs) {
    const job = await deps.store.getJob(id);
    if (!job) throw new Error(`no job ${id}`);
    await deps.store.updateJob(id, { status: "running" });
    const error = await runJob(job, deps).then(
      () => undefined,
      (e: unknown) => String(e),
    );
    if (error) failed.push(error);
    await deps.store.updateJob(id, { status: error ? "failed" : "done" });
  }
  return { queued: jobs.length, failed };
}

describe("the drift schedules of a repository GitHub no longer shows to Sluice", () => {
  it("go with its first refused check, instead of a failing check at every tick for ever", async () => {
    const deps = await scheduled(() => Promise.reject(new VcsError("reading the repository: GitHub answered 404 (Not Found)", 404, false)));
    expect(await tickAndRun(deps, t0 + 1_000)).toEqual({ queued: 1, failed: [] });
    expect(deps.log.lines.some((l) => l.level === "warn" && l.msg.includes("its drift schedules are dropped"))).toBe(true);
    expect(await deps.store.dueDriftSchedules(t0 + 60 * MINUTE)).toEqual([]);
    expect(await tickAndRun(deps, t0 + 2 * MINUTE)).toEqual({ queued: 0, failed: [] });
  });

  it("control: a GitHub fault fails that check and keeps them: the next tick checks again", async () => {
    const deps = await scheduled(() => Promise.reject(new VcsError("reading the repository: GitHub answered 502", 502, true)));
    const first = await tickAndRun(deps, t0 + 1_000);
    expect(first.queued).toBe(1);
    expect(first.failed[0]).toContain("502");
    expect((await tickAndRun(deps, t0 + 2 * MINUTE)).queued).toBe(1);
  });

  it("a `/drift` that meets the refusal is answered with it, not left unanswered", async () => {
    const deps = await scheduled(() =>
      Promise.reject(new VcsError("reading branch main: GitHub answered 403 (Resource not accessible by integration)", 403, false)),
    );
    deps.vcs.permissions.set("alice", "write");
    const asked = { ...target, pr: 3 };
    const id = await deps.store.enqueueInternal(asked, {
      kind: "drift-check",
      trigger: "comment",
      filter: {},
      commentId: 41,
      commandLine: "/drift",
      actor: "alice",
    });
    const job = await deps.store.getJob(id);
    if (!job) throw new Error("no job");
    await runJob(job, deps);
    expect(deps.vcs.bodiesOn(3).join("\n")).toContain("GitHub refused Sluice the default branch of this repository (403)");
    expect(await deps.store.dueDriftSchedules(t0 + 60 * MINUTE)).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { runJob } from "../../../src/jobs/run-job.js";
import type { JobStatus, JobTarget } from "../../../src/model/job.js";
import { claimedJob } from "../../fakes/fake-jobs.js";
import { fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { fakePullRequest } from "../../fakes/fake-vcs.js";

const target: JobTarget = { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://x.test/acme/infra.git", pr: 7 };
const HOUR = 3_600_000;

/**
 * #7 closed (merged or not) two hours ago, holding its lock, an `/apply` of `net` failed once its
 * tool ran; its close's job queued and ended as `closeJob` says (none: never heard).
 */
async function healed(closeJob: JobStatus | undefined, merged = false, { ofClose = false } = {}) {
  const deps = await fakeJobDeps({ serverConfig: "reconcile_interval: 5m\n" });
  deps.vcs.pullRequests.set(
    7,
    fakePullRequest({ number: 7, state: "closed", merged, closedAt: new Date(Date.now() - 2 * HOUR).toISOString() }),
  );
  await deps.store.takeLock({ repo: "acme/infra", dir: "net", workspace: "default", project: "net", scope: "", pr: 7 }, target);
  let closeId: number | undefined;
  // The failed apply: an earlier `/apply`'s, or (ofClose) the close job's own apply on merge.
  const fail = async (jobId: number) => {
    const applied = await deps.store.recordApplyStart({ jobId, repo: "acme/infra", pr: 7, project: "net", planId: 1 });
    await deps.store.recordApplyEnd(applied, "failed");
  };
  if (!ofClose) await fail(999);
  if (closeJob) {
    const spec = merged
      ? { kind: "cleanup" as const, merged, mergeSha: "m".repeat(40), actor: "alice" }
      : { kind: "cleanup" as const, merged, actor: "alice" };
    closeId = await deps.store.enqueueInternal(target, spec);
    await deps.store.updateJob(closeId, { status: closeJob, error: "GitHub answered 502" });
    if (ofClose) await fail(closeId);
  }
  const job = await claimedJob(deps.store, target, { kind: "heal", actor: "sluice" });
  await runJob(job, deps);
  const audit = (await deps.store.auditEvents({ repo: "acme/infra" })).filter((e) => e.action === "reconciled").map((e) => e.detail);
  // The cleanup a heal queued (its plans and worktrees to go, the locks kept): never a merge's.
  const queued = (await deps.store.activeJobsOf("acme/infra", 7)).filter((j) => j.status === "queued").map((j) => j.spec);
  return { said: deps.vcs.bodiesOn(7).join("\n"), audit, closeId, locks: await deps.store.locksOf("acme/infra", 7), queued };
}

describe("a heal of a closed pull request that keeps its locks (a failed apply), whose close Sluice heard but whose job ended first", () => {
  for (const merged of [false, true]) {
    const event = merged ? "merge" : "close";
    it(`says the ${event} was received and its job ended, not that the event was lost (${event})`, async () => {
      const { said, audit, closeId, locks } = await healed("failed", merged);
      expect(locks).toHaveLength(1);
      expect(said).toContain(`Sluice received this pull request's ${event}, but its job ${closeId} ended (failed)`);
      expect(said).toContain("Its locks are kept");
      expect(said).not.toContain("did not receive");
      expect(said).not.toContain("nothing was applied");
      expect(audit).toEqual([
        expect.stringMatching(new RegExp(`^pr-closed: reconciled, the job of the ${event} \\(${closeId}\\) ended failed`)),
      ]);
    });
  }

  it("whose apply on merge failed and whose merge job then failed too (before it removed the plans or told the PR): healed, not left", async () => {
    const { said, closeId, locks } = await healed("failed", true, { ofClose: true });
    expect(locks).toHaveLength(1);
    expect(said).toContain(`Sluice received this pull request's merge, but its job ${closeId} ended (failed)`);
    expect(said).toContain("Its locks are kept");
  });

  it("whose merge job a crash cut short during its apply on merge (before it removed the plans): healed, its plans go, the locks stay", async () => {
    const { said, closeId, locks, queued } = await healed("interrupted", true, { ofClose: true });
    expect(locks).toHaveLength(1);
    expect(said).toContain(`Sluice received this pull request's merge, but its job ${closeId} ended (interrupted)`);
    expect(said).toContain("Its locks are kept");
    expect(said).toContain("An apply on merge is never run again by itself");
    // A merge's cleanup (a merged PR's head pushes go, its previews are destroyed as merged), never
    // its apply on merge again: no merge commit to apply.
    expect(queued).toEqual([{ kind: "cleanup", merged: true, actor: "sluice" }]);
  });

  it("the cleanup it queues for a merged PR forgets the PR's head pushes, as its merge's would have; control: a closed one keeps them", async () => {
    for (const merged of [true, false]) {
      const deps = await fakeJobDeps({ serverConfig: "reconcile_interval: 5m\n" });
      deps.vcs.pullRequests.set(
        7,
        fakePullRequest({ number: 7, state: "closed", merged, closedAt: new Date(Date.now() - 2 * HOUR).toISOString() }),
      );
      await deps.store.takeLock({ repo: "acme/infra", dir: "net", workspace: "default", project: "net", scope: "", pr: 7 }, target);
      await deps.store.recordHeadPush("acme/infra", 7, "h".repeat(40), "mallory");
      const closeId = await deps.store.enqueueInternal(target, { kind: "cleanup", merged, mergeSha: "m".repeat(40), actor: "alice" });
      const applied = await deps.store.recordApplyStart({ jobId: closeId, repo: "acme/infra", pr: 7, project: "net", planId: 1 });
      await deps.store.recordApplyEnd(applied, "interrupted" as never);
      await deps.store.updateJob(closeId, { status: "interrupted" });
      const heal = await claimedJob(deps.store, target, { kind: "heal", actor: "sluice" });
      await runJob(heal, deps);
      await deps.store.updateJob(heal.id, { status: "done" });
      const [cleanup] = (await deps.store.activeJobsOf("acme/infra", 7)).filter((j) => j.status === "queued");
      if (!cleanup) throw new Error("no cleanup queued");
      await deps.store.updateJob(cleanup.id, { status: "running" });
      await runJob((await deps.store.getJob(cleanup.id)) as never, deps);
      expect(await deps.store.headPushers("acme/infra", 7, "h".repeat(40))).toEqual(merged ? [] : ["mallory"]);
      expect(await deps.store.locksOf("acme/infra", 7)).toHaveLength(1);
      await deps.store.close();
      await deps.fakeWorkspace.dispose();
    }
  });

  it("control: one whose merge job still runs after its apply on merge failed is left to it: nothing queued, nothing said", async () => {
    const { said, queued, locks } = await healed("running", true, { ofClose: true });
    expect(locks).toHaveLength(1);
    expect(said).toBe("");
    expect(queued).toEqual([]);
  });

  it("control: one whose merge job finished after its apply on merge failed is left as it is (it told the PR)", async () => {
    const { said, audit, locks } = await healed("done", true, { ofClose: true });
    expect(locks).toHaveLength(1);
    expect(said).toBe("");
    expect(audit).toEqual([]);
  });

  it("a cleanup the heal queued that failed is queued again at the next sweep; the PR is told once", async () => {
    const deps = await fakeJobDeps({ serverConfig: "reconcile_interval: 5m\n" });
    deps.vcs.pullRequests.set(
      7,
      fakePullRequest({ number: 7, state: "closed", merged: false, closedAt: new Date(Date.now() - 2 * HOUR).toISOString() }),
    );
    await deps.store.takeLock({ repo: "acme/infra", dir: "net", workspace: "default", project: "net", scope: "", pr: 7 }, target);
    const applied = await deps.store.recordApplyStart({ jobId: 999, repo: "acme/infra", pr: 7, project: "net", planId: 1 });
    await deps.store.recordApplyEnd(applied, "failed");
    const sweep = async () => {
      const job = await claimedJob(deps.store, target, { kind: "heal", actor: "sluice" });
      await runJob(job, deps);
      await deps.store.updateJob(job.id, { status: "done" });
    };
    const cleanups = async () => (await deps.store.activeJobsOf("acme/infra", 7)).filter((j) => j.spec.kind === "cleanup");
    await sweep();
    const [first] = await cleanups();
    expect(first).toBeDefined();
    // Queued, not yet run: the next sweep leaves it be.
    await sweep();
    expect((await cleanups()).map((j) => j.id)).toEqual([first?.id]);
    // It failed (GitHub answered 502): the next sweep queues another.
    await deps.store.updateJob(first?.id as number, { status: "failed", error: "GitHub answered 502" });
    await sweep();
    const again = await cleanups();
    expect(again).toHaveLength(1);
    expect(again[0]?.id).not.toBe(first?.id);
    expect(deps.vcs.bodiesOn(7).filter((b) => b.includes("Its locks are kept"))).toHaveLength(1);
    expect(await deps.store.locksOf("acme/infra", 7)).toHaveLength(1);
  });

  it("control: a close never heard of is said to be lost, its locks kept", async () => {
    const { said, audit, locks } = await healed(undefined);
    expect(locks).toHaveLength(1);
    expect(said).toContain("Sluice did not receive this pull request's close event");
    expect(said).toContain("Its locks are kept");
    expect(audit).toEqual([expect.stringMatching(/^pr-closed: reconciled, the webhook was not received/)]);
  });
});

import { describe, expect, it } from "vitest";
import { unfinishedCloseJob } from "../../../src/heal/closed-pr-said.js";
import { runJob } from "../../../src/jobs/run-job.js";
import type { JobStatus, JobTarget } from "../../../src/model/job.js";
import { claimedJob } from "../../fakes/fake-jobs.js";
import { fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { fakePullRequest } from "../../fakes/fake-vcs.js";

const target: JobTarget = { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://x.test/acme/infra.git", pr: 7 };
const HOUR = 3_600_000;

/** #7 merged two hours ago and still holding its lock; its merge's job queued and ended as `closeJob` says (none: never heard). */
async function healed(closeJob: JobStatus | undefined, { interval = "5m", closedAgo = 2 * HOUR, merged = true } = {}) {
  const deps = await fakeJobDeps({ serverConfig: `reconcile_interval: ${interval}\n` });
  deps.vcs.pullRequests.set(
    7,
    fakePullRequest({ number: 7, state: "closed", merged, closedAt: new Date(Date.now() - closedAgo).toISOString() }),
  );
  await deps.store.recordHeadPush("acme/infra", 7, "h".repeat(40), "bob", new Date(Date.now() - 3 * HOUR).toISOString());
  await deps.store.takeLock({ repo: "acme/infra", dir: "net", workspace: "default", project: "net", scope: "", pr: 7 }, target);
  let closeId: number | undefined;
  if (closeJob) {
    closeId = await deps.store.enqueueInternal(target, { kind: "cleanup", merged: true, mergeSha: "m".repeat(40), actor: "alice" });
    await deps.store.updateJob(closeId, { status: closeJob, error: "GitHub answered 502" });
  }
  const job = await claimedJob(deps.store, target, { kind: "heal", actor: "sluice" });
  await runJob(job, deps);
  const audit = (await deps.store.auditEvents({ repo: "acme/infra" })).filter((e) => e.action === "reconciled").map((e) => e.detail);
  const pushers = await deps.store.headPushers("acme/infra", 7, "h".repeat(40));
  return { said: deps.vcs.bodiesOn(7).join("\n"), audit, closeId, locks: await deps.store.locksOf("acme/infra", 7), pushers };
}

describe("a heal of a merged pull request whose merge Sluice heard, but whose job ended before it released the locks", () => {
  it("releases them saying the merge was received and its job did not finish, not that the event was lost and nothing applied", async () => {
    const { said, audit, closeId, locks } = await healed("failed");
    expect(locks).toEqual([]);
    expect(said).toContain(`Sluice received this pull request's merge, but its job ${closeId} ended (failed)`);
    expect(said).not.toContain("did not receive");
    expect(said).not.toContain("nothing was applied");
    expect(audit).toEqual([
      expect.stringMatching(new RegExp(`^pr-closed: reconciled, the job of the merge \\(${closeId}\\) ended failed`)),
    ]);
  });

  it("control: a merge never heard of is said to be lost, as before", async () => {
    const { said, audit } = await healed(undefined);
    expect(said).toContain("Sluice did not receive this pull request's merge event");
    expect(audit).toEqual([expect.stringMatching(/^pr-closed: reconciled, the webhook was not received/)]);
  });

  it("a merge closed seconds ago is left to its own event even when the sweep runs every second (its apply on merge needs the plans)", async () => {
    const { said, audit, locks } = await healed(undefined, { interval: "1s", closedAgo: 10_000 });
    expect(locks).toHaveLength(1);
    expect(said).toBe("");
    expect(audit).toEqual([]);
    // Control: past the grace, the same merge is said to be lost and its lock released.
    const later = await healed(undefined, { interval: "1s", closedAgo: 40_000 });
    expect(later.locks).toEqual([]);
    expect(later.said).toContain("did not receive this pull request's merge event");
  });

  it("a close job counts only when it acted on this close and did not finish", () => {
    const closedAt = "2026-01-01T10:00:00Z";
    const job = (status: JobStatus, createdAt: string) => ({ status, createdAt });
    expect(unfinishedCloseJob(job("failed", "2026-01-01T10:00:03Z"), closedAt)).toBeDefined();
    expect(unfinishedCloseJob(job("interrupted", "2026-01-01T09:59:30Z"), closedAt)).toBeDefined();
    // An earlier close's (the PR reopened since), one that finished, or none.
    expect(unfinishedCloseJob(job("failed", "2026-01-01T09:00:00Z"), closedAt)).toBeUndefined();
    expect(unfinishedCloseJob(job("done", "2026-01-01T10:00:03Z"), closedAt)).toBeUndefined();
    expect(unfinishedCloseJob(undefined, closedAt)).toBeUndefined();
    expect(unfinishedCloseJob(job("failed", "2026-01-01T10:00:03Z"), undefined)).toBeUndefined();
  });

  it("a merged pull request the heal cleans up forgets its head pushes, as its own close would (control: a closed one, which may be reopened, keeps them)", async () => {
    expect((await healed(undefined)).pushers).toEqual([]);
    const closed = await healed(undefined, { merged: false });
    expect(closed.locks).toEqual([]);
    expect(closed.pushers).toEqual(["bob"]);
  });
});

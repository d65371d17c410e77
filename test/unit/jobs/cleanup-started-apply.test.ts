import { describe, expect, it } from "vitest";
import { runJob } from "../../../src/jobs/run-job.js";
import type { JobTarget } from "../../../src/model/job.js";
import { claimedJob } from "../../fakes/fake-jobs.js";
import { fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { fakePullRequest } from "../../fakes/fake-vcs.js";

const target: JobTarget = { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://x.test/acme/infra.git", pr: 7 };

/**
 * #7 closed, holding the lock of `net`, whose `/apply` job (another replica's, dead) was adopted
 * and marked interrupted while its apply row is still `started`: the sweep marks the row a moment
 * later (interruptStartedApplies and runningJobs ask whether an owner is dead a moment apart).
 */
async function closedWith(apply: "started" | "succeeded") {
  const deps = await fakeJobDeps();
  deps.vcs.pullRequests.set(7, fakePullRequest({ number: 7, state: "closed", merged: false, closedAt: new Date().toISOString() }));
  await deps.store.takeLock({ repo: "acme/infra", dir: "net", workspace: "default", project: "net", scope: "", pr: 7 }, target);
  const applyJob = await deps.store.enqueueInternal(target, { kind: "apply", trigger: "comment", actor: "alice" });
  const row = await deps.store.recordApplyStart({ jobId: applyJob, repo: "acme/infra", pr: 7, project: "net", planId: 1 });
  if (apply === "succeeded") await deps.store.recordApplyEnd(row, "succeeded");
  await deps.store.updateJob(applyJob, { status: "interrupted", error: "process stopped during apply" });
  const job = await claimedJob(deps.store, target, { kind: "cleanup", merged: false, actor: "alice" });
  await runJob(job, deps);
  return { locks: await deps.store.locksOf("acme/infra", 7), said: deps.vcs.bodiesOn(7).join("\n") };
}

describe("a pull request closed after its apply's job was interrupted, its apply row not yet marked", () => {
  it("keeps its locks: the apply was cut short, whatever its row says yet", async () => {
    const { locks, said } = await closedWith("started");
    expect(locks).toHaveLength(1);
    expect(said).toContain("keeps its locks");
  });

  it("control: one whose apply landed before its job ended releases them", async () => {
    const { locks, said } = await closedWith("succeeded");
    expect(locks).toEqual([]);
    expect(said).not.toContain("keeps its locks");
  });
});

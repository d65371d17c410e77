import { describe, expect, it } from "vitest";
import { runJob } from "../../../src/jobs/run-job.js";
import type { JobTarget } from "../../../src/model/job.js";
import { fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { fakePullRequest } from "../../fakes/fake-vcs.js";

const head = "h".repeat(40);
const target: JobTarget = {
  installationId: 1,
  repo: { owner: "acme", name: "infra" },
  cloneUrl: "https://x.test/acme/infra.git",
  pr: 1,
  payloadHeadSha: head,
};

/** A plan job that ended (failed) with its check run left open; its final answer kept unposted or not. */
async function orphanedPlan(keptAnswer: boolean) {
  const deps = await fakeJobDeps();
  deps.vcs.pullRequests.set(1, fakePullRequest({ headSha: head }));
  const planJob = (
    await deps.store.recordDelivery("d-1", "pull_request", { target, spec: { kind: "plan", trigger: "autoplan", actor: "alice" } })
  ).jobId as number;
  const checkRunId = await deps.vcs.createCheck(
    target.repo,
    "sluice/plan",
    head,
    { status: "queued", title: "queued", summary: "" },
    `sluice-job-${planJob}`,
  );
  await deps.store.updateJob(planJob, { checkRunId, status: "failed", error: "GitHub refused the check update" });
  if (keptAnswer)
    await deps.store.saveResult(planJob, {
      command: "plan",
      headSha: head,
      comments: ["the plan's comment"],
      check: { status: "completed", conclusion: "success", title: "Planned +1 ~0 -0", summary: "the plan" },
    });
  deps.vcs.checkRunsAt = [{ id: checkRunId, name: "sluice/plan", status: "queued", conclusion: null, externalId: `sluice-job-${planJob}` }];
  const healId = await deps.store.enqueueInternal(target, { kind: "heal", actor: "sluice" });
  const heal = await deps.store.getJob(healId);
  if (!heal) throw new Error("no heal job");
  await runJob(heal, deps);
  const last = deps.vcs.checks.find((c) => c.id === checkRunId)?.updates.at(-1);
  return { deps, last, planJob };
}

describe("the heal job and a check run its ended job left open", () => {
  it("posts the job's kept final answer, which is its real one", async () => {
    const { deps, last, planJob } = await orphanedPlan(true);
    expect(last).toMatchObject({ status: "completed", conclusion: "success", title: "Planned +1 ~0 -0" });
    expect(deps.vcs.comments.map((c) => c.body)).toEqual(["the plan's comment"]);
    // Posted: shown at the time GitHub gave the edit that posted it.
    expect(await deps.store.resultOf(planJob)).toEqual({ jobId: planJob, posted: true, shownAt: expect.any(String) });
  });

  it("completes it as cancelled, with why, when no answer was kept", async () => {
    const { last } = await orphanedPlan(false);
    expect(last).toMatchObject({ status: "completed", conclusion: "cancelled" });
    expect(last?.summary).toContain("reconciled, the webhook was not received");
  });
});

import { describe, expect, it } from "vitest";
import { runJob } from "../../../src/jobs/run-job.js";
import type { JobTarget } from "../../../src/model/job.js";
import { fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { summaryOf } from "../../fakes/fake-runner.js";

const target: JobTarget = { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://x.test/acme/infra.git", pr: 12 };

/** Issue #12 closed, with a pending plan under its number; a drift issue of Sluice's when `known`. */
async function closedIssue(known: boolean) {
  const deps = await fakeJobDeps();
  deps.vcs.issues.push({
    repo: "acme/infra",
    number: 12,
    title: "Drift: project net",
    body: "",
    state: "closed",
    labels: [],
    htmlUrl: "https://github.example/acme/infra/issues/12",
    author: "sluice[bot]",
    byApp: true,
  });
  if (known) await deps.store.recordDriftIssue({ repo: "acme/infra", project: "net", number: 12, firstSeen: "2026-01-01T00:00:00Z" });
  const plan = { repo: "acme/infra", pr: 12, project: "net", dir: "net", workspace: "default", runner: "terraform" as const };
  await deps.store.savePlan(
    {
      ...plan,
      headSha: "d".repeat(40),
      baseSha: "d".repeat(40),
      planPath: "/nowhere/plan.tfplan",
      planHash: "sha256:one",
      summary: summaryOf(1),
      jobId: 1,
    },
    { sha256: "sha256:one", size: 0 },
  );
  const id = await deps.store.enqueueInternal(target, { kind: "cleanup", merged: false, actor: "alice", driftIssue: true });
  const job = await deps.store.getJob(id);
  if (!job) throw new Error("no job");
  await runJob(job, deps);
  return { deps, pending: await deps.store.pendingPlans("acme/infra", 12) };
}

describe("a closed issue that may be a drift issue (ingress passes any an app opened)", () => {
  it("a drift issue of Sluice's: its plan is discarded, and the issue is told", async () => {
    const { deps, pending } = await closedIssue(true);
    expect(pending).toEqual([]);
    expect(deps.vcs.bodiesOn(12).join("\n")).toContain("the plan it showed was discarded");
  });

  it("another app's issue the store does not know: nothing is discarded or said", async () => {
    const { deps, pending } = await closedIssue(false);
    expect(pending).toHaveLength(1);
    expect(deps.vcs.bodiesOn(12)).toEqual([]);
  });
});

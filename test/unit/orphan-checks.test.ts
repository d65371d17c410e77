import { describe, expect, it } from "vitest";
import { checkJobIds, orphanChecks } from "../../src/heal/orphan-checks.js";
import type { Job } from "../../src/model/job.js";
import type { CheckRunInfo } from "../../src/vcs/vcs-client.js";

const check = (id: number, externalId: string | null, status = "in_progress"): CheckRunInfo => ({
  id,
  name: "sluice/plan",
  status,
  conclusion: status === "completed" ? "success" : null,
  externalId,
});
const jobs = (...list: Pick<Job, "id" | "status" | "checkRunId">[]) => new Map(list.map((j) => [j.id, j]));

describe("orphanChecks", () => {
  it("names a run left in progress by an ended job that stored this run's id", () => {
    const found = orphanChecks([check(10, "sluice-job-3")], jobs({ id: 3, status: "failed", checkRunId: 10 }));
    expect(found.map((o) => [o.check.id, o.job.id])).toEqual([[10, 3]]);
    expect(orphanChecks([check(10, "sluice-job-3")], jobs({ id: 3, status: "interrupted", checkRunId: 10 }))).toHaveLength(1);
  });

  it("leaves runs of jobs still queued or running, completed runs, and runs it cannot tie to a job", () => {
    expect(orphanChecks([check(10, "sluice-job-3")], jobs({ id: 3, status: "running", checkRunId: 10 }))).toEqual([]);
    expect(orphanChecks([check(10, "sluice-job-3")], jobs({ id: 3, status: "queued", checkRunId: 10 }))).toEqual([]);
    expect(orphanChecks([check(10, "sluice-job-3", "completed")], jobs({ id: 3, status: "failed", checkRunId: 10 }))).toEqual([]);
    // Another app's run that borrows the external id: the job stored another run's id.
    expect(orphanChecks([check(11, "sluice-job-3")], jobs({ id: 3, status: "failed", checkRunId: 10 }))).toEqual([]);
    // No job of this PR by that id, or no external id of Sluice's form.
    expect(orphanChecks([check(10, "sluice-job-4")], jobs({ id: 3, status: "failed", checkRunId: 10 }))).toEqual([]);
    expect(orphanChecks([check(10, "other-3"), check(12, null)], jobs({ id: 3, status: "failed", checkRunId: 10 }))).toEqual([]);
  });

  it("reads the job ids runs name, once each", () => {
    expect(checkJobIds([check(1, "sluice-job-3"), check(2, "sluice-job-3"), check(3, "x-job-4"), check(4, null)])).toEqual([3]);
  });
});

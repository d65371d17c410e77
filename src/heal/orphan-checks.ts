import type { Job } from "../model/job.js";
import type { CheckRunInfo } from "../vcs/vcs-client.js";

const JOB_CHECK = /^sluice-job-(\d+)$/;

/**
 * Pure: the check runs Sluice left `in_progress` on a commit although the job that made them has
 * ended (a fault while GitHub refused the last update, a crash before it): each with its job.
 * A run is Sluice's only when the job named in its external id is a job of this pull request that
 * stored this very run's id, so another app's runs, or a made-up external id, are never touched.
 */
export function orphanChecks<J extends Pick<Job, "id" | "status" | "checkRunId">>(
  checks: readonly CheckRunInfo[],
  jobOf: ReadonlyMap<number, J>,
): { check: CheckRunInfo; job: J }[] {
  return checks.flatMap((check) => {
    if (check.status === "completed") return [];
    const id = Number(JOB_CHECK.exec(check.externalId ?? "")?.[1]);
    const job = jobOf.get(id);
    if (!job || job.checkRunId !== check.id) return [];
    return job.status === "queued" || job.status === "running" ? [] : [{ check, job }];
  });
}

/** The job ids a list of check runs names, for reading those jobs. */
export function checkJobIds(checks: readonly CheckRunInfo[]): number[] {
  return [...new Set(checks.flatMap((c) => (JOB_CHECK.test(c.externalId ?? "") ? [Number(JOB_CHECK.exec(c.externalId ?? "")?.[1])] : [])))];
}

import type { Job } from "../model/job.js";
import type { LockRecord } from "../store/store.js";
import { repoFullName } from "../model/repo.js";
import type { JobDeps } from "./job-deps.js";

/**
 * Releases a PR's locks (all, or some), drops the plans made under them, and re-plans every PR
 * that was waiting for one of them.
 */
export async function releaseLocks(
  deps: JobDeps,
  job: Job,
  keys?: { dir: string; workspace: string }[],
): Promise<LockRecord[]> {
  const repo = repoFullName(job.target.repo);
  const { released, waiters } = await deps.store.releaseLocks(repo, job.target.pr, keys);
  if (released.length) await deps.store.supersedePlans(repo, job.target.pr, released);
  for (const target of waiters) {
    const jobId = await deps.store.enqueueInternal(target, { kind: "plan", trigger: "autoplan", actor: "sluice" });
    deps.log.info({ repo, pr: target.pr, jobId }, "a lock this PR waited for was released: planning it again");
  }
  if (waiters.length) deps.wake();
  return released;
}

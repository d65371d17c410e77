import type { Job } from "../model/job.js";
import type { LockRecord, ProjectKey } from "../store/store.js";
import { repoFullName } from "../model/repo.js";
import type { JobDeps } from "../job-context/job-deps.js";

/**
 * Releases a PR's locks (all, or some), drops the plans made under them, and re-plans every PR
 * that was waiting for one of them.
 */
export async function releaseLocks(deps: JobDeps, job: Job, keys?: ProjectKey[]): Promise<LockRecord[]> {
  const repo = repoFullName(job.target.repo);
  const { released, waiters } = await deps.store.releaseLocks(repo, job.target.pr, keys);
  // A whole-dir lock ("") covered every plan of its dir + workspace; a named one, its project's.
  const planKeys = released.map((l) => ({ dir: l.dir, workspace: l.workspace, project: l.scope === "" ? undefined : l.project }));
  if (released.length) await deps.store.supersedePlans(repo, job.target.pr, planKeys);
  for (const target of waiters) {
    const jobId = await deps.store.enqueueInternal(target, { kind: "plan", trigger: "autoplan", actor: "sluice" });
    deps.log.info({ repo, pr: target.pr, jobId }, "a lock this PR waited for was released: planning it again");
  }
  if (waiters.length) deps.wake();
  return released;
}

import type { Store } from "../store/store.js";

export type ScheduledDestroyStore = Pick<Store, "appliedRepos" | "lastJobTarget" | "enqueueInternalOnce">;

/**
 * The sweep's part in `destroy_at` / `idle_ttl`: once an hour (across replicas and restarts: the
 * hour is in the job's once-key), one check per repository with a successful apply in the live
 * record, whatever its road (a pull request, a drift issue, a reconcile). The check job reads the
 * repository's trusted config on the default branch, which only it can. Its target (installation,
 * clone URL) is that of the repository's latest job of any kind: a repository applied only by
 * reconcile has drift jobs, and no pull request.
 */
export async function queueScheduledDestroys(
  store: ScheduledDestroyStore,
  now: number,
  everyMs = 3600_000,
  /** The `repos:` allowlist: a repository it leaves out gets no job run, so none is queued. */
  allowed: (repo: string) => boolean = () => true,
): Promise<number[]> {
  const queued: number[] = [];
  for (const repo of await store.appliedRepos()) {
    if (!allowed(repo)) continue;
    const target = await store.lastJobTarget(repo);
    if (!target) continue;
    const jobId = await store.enqueueInternalOnce(
      `scheduled-destroy-check:${repo}:${Math.floor(now / everyMs)}`,
      { ...target, pr: 0, payloadHeadSha: undefined },
      { kind: "scheduled-destroy", actor: "sluice" },
    );
    if (jobId !== undefined) queued.push(jobId);
  }
  return queued;
}

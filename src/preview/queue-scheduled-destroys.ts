import type { Store } from "../store/store.js";

export type ScheduledDestroyStore = Pick<Store, "projectActivity" | "lastJobTarget" | "enqueueInternalOnce">;

/**
 * The sweep's part in `destroy_at` / `idle_ttl`: once an hour (across replicas and restarts: the
 * hour is in the job's once-key), one check per repository Sluice has applied in. The check job
 * reads the repository's trusted config on the default branch, which only it can.
 */
export async function queueScheduledDestroys(store: ScheduledDestroyStore, now: number, everyMs = 3600_000): Promise<number[]> {
  const lastPr = new Map<string, number>();
  for (const a of await store.projectActivity()) if (a.live) lastPr.set(a.repo, a.live.pr);
  const queued: number[] = [];
  for (const [repo, pr] of lastPr) {
    const target = await store.lastJobTarget(repo, pr);
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

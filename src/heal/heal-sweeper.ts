import type { Store } from "../store/store.js";
import { errorMessage } from "../util/errors.js";
import { sweepEvery } from "../util/sweep-every.js";

export interface HealSweeperOptions {
  store: Pick<Store, "lockHolders" | "activeJobsOf" | "enqueueInternal" | "healRefusal">;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  wake(): void;
  /** How often (server setting `reconcile_interval`). At start too. */
  intervalMs: number;
  /**
   * Whether the server acts on a repository (the `repos:` allowlist). runJob runs no job of one
   * it leaves out: a heal queued for it would be dropped and queued again at every sweep.
   */
  allowed(repo: string): boolean;
  /** The clock (tests set it). */
  now?: () => number;
}

/**
 * GitHub does not deliver a webhook again by itself: a `closed` event lost to an outage or a
 * restart would keep its pull request's locks for good. At start and then on an interval, each
 * pull request that holds a lock and has no job in flight gets a `heal` job, which asks GitHub
 * whether it is still open (one request per such PR; none for a PR Sluice holds nothing of).
 */
export function startHealSweeper(opts: HealSweeperOptions): { sweep(): Promise<number>; stop(): void } {
  const sweepOnce = async (): Promise<number> => {
    let queued = 0;
    for (const target of await opts.store.lockHolders()) {
      const repo = `${target.repo.owner}/${target.repo.name}`;
      if (!opts.allowed(repo)) continue;
      // A job of the PR in flight will see it as it is (and a queued heal is one).
      if ((await opts.store.activeJobsOf(repo, target.pr)).length) continue;
      // GitHub refused to show it (its repository gone, or out of the installation): asked again
      // only when its backoff ends, not by a failing heal on every sweep.
      const refused = await opts.store.healRefusal(repo, target.pr);
      if (refused && refused.nextAt > (opts.now ?? Date.now)()) continue;
      const jobId = await opts.store.enqueueInternal(target, { kind: "heal", actor: "sluice" });
      opts.log.info({ jobId, repo, pr: target.pr }, "heal check queued: is the pull request holding locks still open?");
      queued++;
    }
    if (queued) opts.wake();
    return queued;
  };
  return sweepEvery(sweepOnce, opts.intervalMs, (e) => opts.log.error({ err: errorMessage(e) }, "heal sweep failed"));
}

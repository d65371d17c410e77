import type { Store } from "../store/store.js";
import { nextRunAfter } from "../util/cron.js";
import { errorMessage } from "../util/errors.js";
import { oneAtATime } from "../util/one-at-a-time.js";

export interface DriftSchedulerOptions {
  store: Pick<Store, "dueDriftSchedules" | "nextDriftDueAt" | "claimDriftRun">;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Tells the worker a job was enqueued. */
  wake(): void;
  /**
   * The longest wait between two looks at the schedules (default 1 s): how soon a schedule another
   * thread or replica wrote is seen. A run already known is started by a timer at its due time.
   */
  tickMs?: number;
  now?: () => number;
}

/**
 * Turns due schedules into drift jobs. The next run time lives in the store and each run is claimed
 * with its job in one transaction, so a restart loses none and replicas never run one twice. A run
 * missed while no replica was up happens once at the next tick; the one after is computed from
 * now, so a long outage does not replay every missed run.
 */
export function startDriftScheduler(opts: DriftSchedulerOptions): { tick(): Promise<number[]>; stop(): void } {
  const now = opts.now ?? Date.now;
  const tickOnce = async (): Promise<number[]> => {
    const at = now();
    const jobs: number[] = [];
    for (const s of await opts.store.dueDriftSchedules(at)) {
      const next = nextRunAfter(s.cron, at) ?? Number.MAX_SAFE_INTEGER;
      const claim = await opts.store.claimDriftRun(
        { repo: s.repo, cron: s.cron, due: s.nextRunAt, next },
        { kind: "drift-check", trigger: "schedule", projects: s.projects, actor: "sluice" },
      );
      if (claim === undefined) continue;
      if ("behind" in claim) {
        opts.log.info({ repo: s.repo, cron: s.cron, queuedJobId: claim.behind }, "scheduled drift check folded into the one still queued");
        continue;
      }
      const { jobId } = claim;
      jobs.push(jobId);
      opts.log.info(
        { jobId, repo: s.repo, cron: s.cron, projects: s.projects.length, due: new Date(s.nextRunAt).toISOString() },
        "scheduled drift check queued",
      );
    }
    if (jobs.length) opts.wake();
    return jobs;
  };
  // One tick at a time: a slow database must not stack up overlapping claims.
  const tick = oneAtATime(tickOnce);
  const most = opts.tickMs ?? 1_000;
  // A run still due after a look (its claim failed, or raced another replica's): looked at again
  // after this, not at once, so a claim that keeps failing is no busy loop.
  const retryMs = Math.min(most, 250);
  const untilDue = (due: number | undefined) => {
    if (due === undefined) return most;
    const left = due - now();
    return left > 0 ? Math.min(most, left) : retryMs;
  };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // After each look, sleep until the earliest due run or `most`, whichever comes first: a run
  // starts at its due time instead of up to a polling interval late.
  const arm = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      tick()
        .catch((e: unknown) => opts.log.error({ err: errorMessage(e) }, "drift scheduler tick failed"))
        .then(() => opts.store.nextDriftDueAt())
        .then(
          (due) => arm(untilDue(due)),
          (e: unknown) => {
            opts.log.error({ err: errorMessage(e) }, "drift scheduler could not read the next due run");
            arm(most);
          },
        );
    }, delayMs);
    timer.unref();
  };
  arm(most);
  return {
    tick,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

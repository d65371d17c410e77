import { errorMessage } from "../util/errors.js";
import { sweepEvery } from "../util/sweep-every.js";
import type { JobSpec } from "../model/job.js";
import type { PreviewRecord } from "../model/preview.js";
import type { Store } from "../store/store.js";
import { queueScheduledDestroys, type ScheduledDestroyStore } from "./queue-scheduled-destroys.js";
import { sweepPreviews } from "./sweep-previews.js";

export interface PreviewSweeperOptions {
  store: Pick<Store, "activePreviews" | "activeJobsOf" | "enqueueInternal" | "savePreview"> & ScheduledDestroyStore;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  wake(): void;
  /** How often the store is swept (SLUICE_PREVIEW_SWEEP_MS; default a minute). */
  intervalMs?: number;
  /** How often a live preview's PR is asked about (default an hour; at start for every one). */
  checkEveryMs?: number;
  /**
   * Whether the server acts on a repository (the `repos:` allowlist; default: every one). runJob
   * runs no job of one it leaves out, so each job queued for its previews would be dropped and
   * queued again at the next sweep, every minute for as long as they stand.
   */
  allowed?: (repo: string) => boolean;
  now?: () => number;
}

/**
 * Nothing leaks: at start and then on an interval, previews whose time is up, whose destroy
 * failed or was interrupted, or whose PR closed unheard are turned into preview jobs; and, hourly,
 * every repository gets a check of its workspaces' `destroy_at` / `idle_ttl`.
 */
export function startPreviewSweeper(opts: PreviewSweeperOptions): { sweep(): Promise<number>; stop(): void } {
  const now = opts.now ?? Date.now;
  const checked = new Map<string, number>();
  const prKey = (p: Pick<PreviewRecord, "repo" | "pr">) => `${p.repo}#${p.pr}`;
  const sweepOnce = async (): Promise<number> => {
    const at = now();
    const previews = (await opts.store.activePreviews()).filter((p) => opts.allowed?.(p.repo) ?? true);
    const busy = new Set<string>();
    for (const key of new Set(previews.map(prKey))) {
      const [repo, pr] = [key.slice(0, key.lastIndexOf("#")), Number(key.slice(key.lastIndexOf("#") + 1))];
      if ((await opts.store.activeJobsOf(repo, pr)).length) busy.add(key);
    }
    const actions = sweepPreviews(
      previews,
      at,
      (p) => busy.has(prKey(p)),
      (p) => checked.get(prKey(p)),
      opts.checkEveryMs ?? 3600_000,
    );
    let queued = 0;
    const enqueue = async (p: PreviewRecord, spec: JobSpec, why: string) => {
      const jobId = await opts.store.enqueueInternal(p.target, spec);
      queued++;
      opts.log.info({ jobId, repo: p.repo, pr: p.pr, project: p.project }, why);
    };
    const checkedNow = new Set<string>();
    for (const a of actions) {
      const p = a.preview;
      if (a.kind === "destroy") {
        await enqueue(
          p,
          { kind: "preview", action: "destroy", project: p.project, reason: a.reason, actor: "sluice" },
          `preview destroy queued: ${a.reason}`,
        );
      } else if (a.kind === "interrupted") {
        // An apply a stopped process left: never applied again by itself; the next push or `/preview recreate` does.
        // A first preview stopped before its apply began left nothing standing: nothing to tear down.
        await opts.store.savePreview(
          p.nothingApplied
            ? {
                ...p,
                status: "destroyed",
                lastResult: "stopped by a restart before its first apply, so nothing stands; push, or comment `/preview recreate`",
                updatedAt: at,
              }
            : {
                ...p,
                status: "failed",
                lastResult: "the apply was interrupted by a restart; push, or comment `/preview recreate`",
                updatedAt: at,
              },
        );
      } else if (!checkedNow.has(prKey(p))) {
        checkedNow.add(prKey(p));
        checked.set(prKey(p), at);
        await enqueue(p, { kind: "preview", action: "check", actor: "sluice" }, "preview check queued: is its pull request still open?");
      }
    }
    // Ordinary workspaces' `destroy_at` / `idle_ttl`: a check per repository, at most hourly.
    const checks = await queueScheduledDestroys(opts.store, at, opts.checkEveryMs ?? 3600_000, opts.allowed);
    if (checks.length) opts.log.info({ jobIds: checks }, "scheduled destroy checks queued");
    queued += checks.length;
    if (queued) opts.wake();
    return queued;
  };
  return sweepEvery(sweepOnce, opts.intervalMs ?? 60_000, (e) => opts.log.error({ err: errorMessage(e) }, "preview sweep failed"));
}

/** SLUICE_PREVIEW_SWEEP_MS, when it is a positive number of milliseconds. */
export function previewSweepFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const ms = Number(env.SLUICE_PREVIEW_SWEEP_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

import { readFileSync } from "node:fs";
import { totalmem } from "node:os";

/**
 * Tool runs admitted by memory, not only by count: each run reserves what its project was last
 * seen to peak at (a first run: the per-run default), and a run that does not fit waits, in
 * arrival order, until runs before it have given theirs back. N runs that each fit their own
 * limit cannot together take the machine down (the kernel's OOM killer ends a server whose
 * parallel plans outgrew it); `parallel` stays the upper bound on how many run at once.
 */
/** A run's step of a project (`terraform plan` of acme/infra:net): what a peak is learned for. */
export interface RunKey {
  project: string;
  step: string;
}

export interface MemoryBudget {
  readonly budgetBytes: number;
  /**
   * What a run reserves: the peak its project's step was last seen at; a project not measured yet,
   * the largest peak of that step seen in any project; else the default.
   */
  estimate(key: RunKey): number;
  /**
   * Waits until `key`'s estimate fits, saying once why it waits; resolves with the release,
   * which takes the run's measured peak (learned for its next runs).
   */
  admit(key: RunKey, onWait?: (why: string) => void): Promise<(peakBytes?: number) => void>;
  /** Reserved now (bytes). */
  inUse(): number;
}

const MiB = 1024 ** 2;

/** What a run is taken to need before its project was measured: a Terraform plan with a large provider. */
export const DEFAULT_RUN_ESTIMATE = 512 * MiB;

/** The memory this process may use: its cgroup's limit when it has one (a container), else the machine's. */
export function availableMemory(read = (p: string) => readFileSync(p, "utf8")): number {
  for (const file of ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]) {
    try {
      const n = Number(read(file).trim());
      // cgroup v1 says "no limit" with a huge number, v2 with "max" (NaN here).
      if (Number.isFinite(n) && n > 0 && n < totalmem()) return n;
    } catch {
      // Not there: the next, then the machine's.
    }
  }
  return totalmem();
}

/** Default budget: three quarters of what the server may use, the rest for Sluice itself and the system. */
export function defaultBudget(available = availableMemory()): number {
  return Math.floor(available * 0.75);
}

const fmt = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;

export function createMemoryBudget(budgetBytes: number, defaultEstimate = DEFAULT_RUN_ESTIMATE): MemoryBudget {
  const learned = new Map<string, number>();
  const bySteps = new Map<string, number>();
  const waiting: { key: RunKey; admit: (bytes: number) => void }[] = [];
  let used = 0;
  const estimate = (key: RunKey) => learned.get(`${key.project}\0${key.step}`) ?? bySteps.get(key.step) ?? defaultEstimate;
  // A run larger than the whole budget still runs, alone: waiting for room that cannot come would stop it for good.
  const fits = (bytes: number) => used === 0 || used + bytes <= budgetBytes;
  // Reserved here, as each run is let in (estimated now: runs that ended meanwhile taught what it needs).
  const drain = () => {
    for (let next = waiting[0]; next && fits(estimate(next.key)); next = waiting[0]) {
      waiting.shift();
      const bytes = estimate(next.key);
      used += bytes;
      next.admit(bytes);
    }
  };
  return {
    budgetBytes,
    estimate,
    inUse: () => used,
    async admit(key, onWait) {
      let bytes = estimate(key);
      if (waiting.length > 0 || !fits(bytes)) {
        onWait?.(
          `queued: waiting for memory (this run is expected to need ${fmt(bytes)}; ${fmt(used)} of the ${fmt(budgetBytes)} budget are taken by runs in progress)`,
        );
        bytes = await new Promise<number>((resolve) => {
          waiting.push({ key, admit: resolve });
        });
      } else {
        used += bytes;
      }
      let released = false;
      return (peakBytes) => {
        if (released) return;
        released = true;
        used -= bytes;
        if (peakBytes !== undefined && peakBytes > 0) {
          learned.set(`${key.project}\0${key.step}`, peakBytes);
          bySteps.set(key.step, Math.max(bySteps.get(key.step) ?? 0, peakBytes));
        }
        drain();
      };
    },
  };
}

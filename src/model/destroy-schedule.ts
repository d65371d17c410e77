/** A project's `destroy_at` / `idle_ttl` (trusted config only, after normalization). Times are epoch ms. */
export interface DestroySchedule {
  /** The workspace is destroyed once at this time. */
  destroyAt?: number;
  /** The workspace is destroyed when this long has passed since its last apply. */
  idleTtlMs?: number;
}

/** The last successful apply of a workspace, as the sweep reads it from the live record. */
export interface LastApply {
  /** The live record's row id: a new apply re-arms `idle_ttl`. */
  id: number;
  /** When it finished (epoch ms). */
  at: number;
  /** The PR (or drift issue) that applied it; 0 when none. */
  number: number;
  /** `scheduled-destroy`: the last thing done to it was its scheduled destroy. */
  source: "pr" | "merge" | "drift-issue" | "reconcile" | "scheduled-destroy";
}

/**
 * The attempts at one workspace's scheduled destroy, kept in the store between the hourly checks
 * (and across restarts and replicas) so that a failed or refused destroy backs off instead of
 * being tried, and said, every hour. Times are epoch ms.
 */
export interface DestroyAttempts {
  /** The due destroy these attempts are for (`DueDestroy.onceKey`): another one starts from 1. */
  onceKey: string;
  /** Attempts started so far (an attempt a crash cut short counts too). */
  attempts: number;
  /** When the last attempt started. */
  startedAt: number;
  /** No attempt before this. */
  nextAt: number;
  /** The last failure or refusal said on the PR or issue, redacted: a report is posted only when it changes. */
  message?: string;
  /** The issue its reports go to, when no pull request applied the workspace. */
  issue?: number;
}

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

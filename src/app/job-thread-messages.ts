/** HTTP thread → job thread. */
export type ToJobThread = { type: "start" } | { type: "wake" } | { type: "stop" };

/** Job thread → HTTP thread. */
export type FromJobThread =
  /** `priorityNotLowered`: why the job thread runs at the HTTP thread's CPU priority (for the log). */
  | { type: "ready"; priorityNotLowered?: string }
  | { type: "job-finished"; kind: string; outcome: "done" | "failed"; seconds: number }
  | { type: "rate-limit"; remaining: number }
  /** The job thread's V8 heap, in bytes: the process metrics (`sluice_nodejs_*`) are the HTTP thread's. */
  | { type: "heap"; used: number; size: number }
  | { type: "stopped" }
  | { type: "stop-failed"; message: string };

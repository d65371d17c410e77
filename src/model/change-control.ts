/** A server `apply_windows` rule that can hold projects of one repository, and what it says now. */
export interface WindowRule {
  match: string;
  kind: "allow" | "deny";
  /** Each window's start (cron), how long it lasts (`8h`), in which time zone. */
  cron: string;
  duration: string;
  timezone: string;
  /**
   * Whether one of its windows is on now, until when (the last of the occurrences it overlaps;
   * none when they chain on without end), and when the next one starts (`YYYY-MM-DD HH:MM UTC`).
   */
  on: boolean;
  until?: string;
  next?: string;
}

/** A server `freezes` rule that can hold projects of one repository, and where now falls in it. */
export interface FreezeRule {
  match: string;
  from: string;
  to: string;
  reason: string;
  now: "on" | "ahead" | "over";
}

/** A server `permissions` rule that can cover projects of one repository: who may do each action it names. */
export interface PermissionRule {
  match: string;
  actions: { action: string; who: string[] }[];
}

/**
 * The server's change control as one repository meets it: every rule whose repository side
 * matches it, in the server config's order. A rule's project side is matched against each
 * project's trusted name (the base branch's project at its dir and workspace) when it runs.
 */
export interface ChangeControl {
  windows: WindowRule[];
  freezes: FreezeRule[];
  permissions: PermissionRule[];
}

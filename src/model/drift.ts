/** Pull mode settings of one project, after server defaults and repo overrides are merged. */
export interface DriftSettings {
  /** Cron (5 fields, or 6 with seconds first); undefined = not scheduled. */
  schedule?: string;
  onDrift: "report" | "apply";
  /** Reconcile even when the plan destroys or replaces something. */
  allowDestroy: boolean;
}

/** A drift setting as written in a config file: every key optional. */
export interface DriftInput {
  schedule?: string;
  onDrift?: "report" | "apply";
  allowDestroy?: boolean;
}

/** One attribute of a resource that a plan would change, values already made safe to show. */
export interface AttributeChange {
  name: string;
  before: string;
  after: string;
}

/** A resource a plan of the default branch head would change, with why. */
export interface DriftedResource {
  address: string;
  action: string;
  /** outside: changed outside git (state or cloud edited); git: in git but not applied. */
  cause: "outside" | "git";
  attributes: AttributeChange[];
}

/** A stored schedule: projects of a repo that share one cron expression. */
export interface DriftSchedule {
  repo: string;
  cron: string;
  projects: string[];
  /** Epoch milliseconds of the next run. */
  nextRunAt: number;
}

/** A project whose reconciliation is stopped by `/drift pause`. */
export interface DriftPause {
  repo: string;
  project: string;
  actor: string;
  reason: string;
  createdAt: string;
}

/** The drift issue label (docs/design.md, "Contracts of the second wave"): `/apply` on a plain issue acts only on these. */
export const DRIFT_LABEL = "sluice:drift";

/**
 * The last drift check of one project, kept so the console and `/metrics` can say which projects
 * differ from git without asking GitHub. reconciled: drift was found and git's state applied.
 */
export interface DriftCheck {
  repo: string;
  project: string;
  status: "in-line" | "drifted" | "reconciled" | "skipped" | "error";
  /** Why it was skipped, failed or not reconciled ("" when nothing to say). */
  reason: string;
  /** The open drift issue of the project, if the run left one. */
  issue?: number;
  issueUrl?: string;
  checkedAt: string;
}

import type { DriftedResource } from "../model/drift.js";
import type { PlanSummary } from "../model/plan-summary.js";
import type { Project } from "../model/project.js";

/** What a drift check found for one project. */
export type ProjectDrift = { project: Project } & (
  | { status: "in-line" }
  | {
      status: "drifted";
      resources: DriftedResource[];
      summary: PlanSummary;
      /** The plan's human output (not yet redacted). */
      output: string;
      planFile: string;
      planHash: string;
      /** The cloud identity the drift plan ran with, as plan comments name it ("`rule` (plan): …"); never a value. */
      credentials?: string;
      /** Sluice re-applied git's state (on_drift: apply), or why it did not. */
      reconcile?:
        | { done: true; outcome: "applied" | "failed"; message?: string }
        | { done: false; reason: string /** A PR holds the lock: shown as a real reference. */; heldBy?: number };
    }
  | { status: "skipped"; reason: string /** The PR that applied without merging, shown as a real reference. */; appliedBy?: number }
  | { status: "error"; step: string; message: string; output: string }
);

/** The outcome of one drift run over a repo. */
export interface DriftRun {
  repo: string;
  branch: string;
  sha: string;
  results: ProjectDrift[];
  /** When the run finished (ISO). */
  at: string;
}

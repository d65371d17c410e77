import type { PlanSummary } from "../model/plan-summary.js";
import type { PlanStateChanges } from "../model/state-count.js";

export type StoredSummary = Omit<PlanSummary, "sensitiveValues">;

/** A saved plan: what `/apply` may run, and only while the PR's head and base are unchanged. */
export interface PlanRecord {
  id: number;
  repo: string;
  pr: number;
  project: string;
  dir: string;
  workspace: string;
  runner: string;
  headSha: string;
  baseSha: string;
  planPath: string;
  /** sha256 of the plan file, checked again right before apply. */
  planHash: string;
  /** The plan's summary without its sensitive values (never stored). */
  summary: StoredSummary;
  status: "pending" | "applied" | "superseded";
  jobId: number;
  createdAt: string;
  /**
   * A drift check's plan: when its issue was updated with it (GitHub's time of that edit), the
   * first moment a person could read it there. Absent while not shown (or never: the update
   * failed), and for a pull request's plan (shown by its job's comment).
   */
  shownAt?: string;
}

export type NewPlan = Omit<PlanRecord, "id" | "status" | "createdAt" | "shownAt">;

/**
 * A saved plan's file as the store keeps it, so that whichever replica takes the `/apply` can
 * apply it. `bytes` is absent when the file was over MAX_STORED_PLAN_BYTES: then only the replica
 * that made it has it. Kept while the plan is pending; deleted when it is applied or superseded.
 */
export interface PlanFile {
  /** sha256 of the bytes, hex (the plan's `planHash`). */
  sha256: string;
  size: number;
  bytes?: Buffer;
  /**
   * The plan's signature (src/tool-runs/plan-signature.ts): an HMAC of its identity and sha256 under a
   * key every replica derives from the webhook secret, which the database does not hold.
   */
  mac?: string;
}

/** The largest plan file the store keeps (64 MiB): the bytes travel through one query. */
export const MAX_STORED_PLAN_BYTES = 64 * 1024 * 1024;

export interface LockRecord {
  repo: string;
  dir: string;
  workspace: string;
  /** The project that took the lock (shown to users, matched by `/unlock -p`). */
  project: string;
  /**
   * What the lock covers: "" the whole dir + workspace; a name, only that one of several projects
   * the trusted config defines on this dir + workspace. A named lock conflicts with the same name
   * and with ""; "" conflicts with every lock there (see `lockScope`).
   */
  scope: string;
  pr: number;
  createdAt: string;
}

/** Locks or plans of a dir + workspace: all of them, or only those of `project` when given. */
export interface ProjectKey {
  dir: string;
  workspace: string;
  project?: string;
}

/** A key matches a lock or plan on its dir + workspace, and on its project when the key names one. */
export function keyMatches(key: ProjectKey, item: { dir: string; workspace: string; project: string }): boolean {
  return key.dir === item.dir && key.workspace === item.workspace && (key.project === undefined || key.project === item.project);
}

/** Two lock scopes on one dir + workspace conflict unless both name distinct projects. */
export function scopesConflict(a: string, b: string): boolean {
  return a === "" || b === "" || a === b;
}

export interface ApplyRecord {
  id: number;
  jobId: number;
  repo: string;
  pr: number;
  project: string;
  planId: number;
  /** `refused`: ended before its tool started, the state as it was. */
  status: "started" | "succeeded" | "failed" | "refused" | "interrupted";
  startedAt: string;
  finishedAt?: string;
  /** Who settled it (failed or cut short) by `/unlock` of its project: its locks are no longer kept for it. */
  settledBy?: string;
  settledAt?: string;
}

/**
 * The live record: one row per apply, whatever started it (PR `/apply`, merge, a drift issue's
 * `/apply`, or reconciliation), so "which commit is live in project X" has one answer.
 */
export interface LiveApply {
  id: number;
  repo: string;
  project: string;
  dir: string;
  workspace: string;
  commitSha: string;
  /** `scheduled-destroy`: the workspace was destroyed by its `destroy_at` / `idle_ttl` (nothing of it is live). */
  source: "pr" | "merge" | "drift-issue" | "reconcile" | "scheduled-destroy";
  /** The PR or issue number; 0 for reconciliation. */
  number: number;
  actor: string;
  approvers: string[];
  planHash: string;
  outcome: "started" | "succeeded" | "failed" | "interrupted";
  deploymentId?: number;
  startedAt: string;
  finishedAt?: string;
}

export type NewLiveApply = Omit<LiveApply, "id" | "outcome" | "startedAt" | "finishedAt" | "deploymentId"> & {
  /** The plan applied is a destroy plan the rules let through: a later plan's teardown is measured from after it. */
  teardown?: boolean;
  /** What the plan applied changes in its state's count (a Terraform plan's). */
  stateChanges?: PlanStateChanges;
};

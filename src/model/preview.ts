import type { JobTarget } from "./job.js";
import type { RunnerKind } from "./project.js";
import type { InputValues } from "./project-inputs.js";

/** A project's `preview:` setting, from the trusted config only, after normalization. */
export interface PreviewSettings {
  /**
   * The workspace name template (for Helm and Kustomize, the namespace's); `{number}` is the
   * pull request's number.
   */
  workspace: string;
  /** `-var-file` paths (Helm: values files), relative to the project dir. */
  varFiles: string[];
  /** `-var` values (Helm: values set on top of the project's `set`). */
  vars: Record<string, string>;
  /** The Terraform output that holds the preview's URL (the deployment's `environment_url`). */
  urlOutput?: string;
  /** The preview's URL with `{number}` for the pull request's number, when no output gives it. */
  urlTemplate?: string;
  /** Destroyed this long after the last push (or `/preview extend`). */
  ttlMs?: number;
  /** Destroyed this long after it was first applied, whatever happens. */
  maxAgeMs?: number;
}

/**
 * applying/destroying: a job is at it (or a process died at it: the sweep finishes a destroy);
 * live: applied; failed: the last apply failed (it stays until destroyed); destroy-failed: retried
 * with backoff; destroyed: gone, kept for the console's history.
 */
export type PreviewStatus = "applying" | "live" | "failed" | "destroying" | "destroy-failed" | "destroyed";

/** One pull request's preview of one project, as the store keeps it. Times are epoch milliseconds. */
export interface PreviewRecord {
  repo: string;
  pr: number;
  project: string;
  dir: string;
  /**
   * The preview's own workspace (`pr-12`), never a workspace of the project's real ones; for Helm
   * and Kustomize, its own namespace, created and deleted with it.
   */
  workspace: string;
  runner: RunnerKind;
  /** The variables it was applied with: its destroy plan needs the same. */
  varFiles: string[];
  vars: Record<string, string>;
  status: PreviewStatus;
  /** The commit last applied (destroys plan that commit's config, even after the PR closed). */
  headSha: string;
  /** Where to find the PR and its repository again: the sweep enqueues jobs with it. */
  target: JobTarget;
  url?: string;
  deploymentId?: number;
  createdAt: number;
  /** The last push applied; the TTL counts from here. */
  lastPushAt: number;
  /** `/preview extend`: kept at least until then (never past `max_age`). */
  extendedUntil?: number;
  ttlMs?: number;
  maxAgeMs?: number;
  destroyAttempts: number;
  /** A failed destroy is tried again from then on. */
  nextAttemptAt?: number;
  /** The last outcome, one line, for the PR and the console. */
  lastResult: string;
  /** The last plan's counts (`+2 ~0 -0`), shown beside the result. */
  lastPlan?: string;
  /**
   * The other projects' outputs its last apply was made with (`inputs_from` / `values_from`):
   * its destroy plan takes the same, whatever its producers hold (or no longer hold) by then.
   * Sensitive values among them are kept as the store keeps plans, and never shown.
   */
  appliedInputs?: { env: Record<string, string>; values: InputValues };
  /**
   * A Helm or Kustomize preview's cluster (the API server its kubeconfig reached when it was
   * applied): its updates and its teardown run only where it lives (none kept before 2026-11-26).
   */
  cluster?: string;
  /**
   * A first preview saved before its first apply began: nothing of it stands yet, so a process
   * stopped there leaves nothing to tear down (its commit may not even plan).
   */
  nothingApplied?: true;
  updatedAt: number;
}

export type PreviewKey = Pick<PreviewRecord, "repo" | "pr" | "project">;

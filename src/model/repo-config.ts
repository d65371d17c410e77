import type { DestroySchedule } from "./destroy-schedule.js";
import type { DriftInput } from "./drift.js";
import type { PreviewSettings } from "./preview.js";
import type { AutoApproveRule, DestroyRule } from "./plan-content.js";
import type { IgnoreDifference, RunnerKind } from "./project.js";
import type { ProjectInputs } from "./project-inputs.js";

/** What must hold before `/apply` may run, as in Atlantis' `apply_requirements`. */
export type Requirement = "approved" | "mergeable" | "undiverged" | "code_owners" | "verified_commits";

/**
 * One step of a custom workflow. A `.sluice.yaml` `run` is an argv array (a command line is split
 * with quote rules only: no expansion, no pipes). An atlantis.yaml `run` is a shell script, as
 * Atlantis runs it (`sh -c`, or its `shell` and `shellArgs`): `shell: true`, and `argv` is the
 * shell, its arguments and the script last; it runs inside the sandbox like every tool run, and
 * comes from the trusted config only. An Atlantis `env` step with `command:` is reported, never
 * turned into a step.
 */
export type WorkflowStep =
  | { kind: "init" | "plan" | "apply"; extraArgs: string[] }
  | { kind: "run"; argv: string[]; env?: Record<string, string>; shell?: boolean }
  | { kind: "env"; name: string; value: string };

export interface Workflow {
  plan: WorkflowStep[];
  apply: WorkflowStep[];
  /** Server workflows only: the `policy_check` stage's conftest arguments (e.g. `--all-namespaces`). */
  policyCheck?: { extraArgs: string[] };
}

export interface HelmSettings {
  release?: string;
  namespace?: string;
  /** Values files, relative to the project dir (they may reach `../shared/values.yaml`). */
  values: string[];
  set: Record<string, string | number | boolean>;
  /** Value = the NAME of a secret in the server config, never a secret value. */
  secretSet: Record<string, string>;
  /** Field paths to leave out of diffs, e.g. `metadata.annotations.checksum/config`. */
  ignore: string[];
  ignoreDifferences?: IgnoreDifference[];
  apiVersions?: string[];
  kubeVersion?: string;
}

export interface KustomizeSettings {
  namespace?: string;
  ignore: string[];
  ignoreDifferences?: IgnoreDifference[];
}

/** A project as the repository config defines it; a superset of `Project`. */
export interface ProjectConfig extends ProjectInputs {
  name: string;
  /** Relative to the repo root, POSIX separators, no leading "./", "." for the root. */
  dir: string;
  workspace: string;
  runner: RunnerKind;
  /**
   * `whenModified` holds globs relative to the project dir, as written (`../modules/**` allowed);
   * a leading `!` excludes, as in Atlantis' .dockerignore syntax.
   */
  autoplan: { enabled: boolean; whenModified: string[] };
  /** undefined = the server default. */
  applyRequirements?: Requirement[];
  /**
   * Names of projects that must be applied before this one (Atlantis' meaning: it gates the
   * apply, never the plan). Names the file does not define are kept and ignored, as Atlantis does.
   */
  dependsOn: string[];
  /**
   * Atlantis' `branch`, as written (`/^release-.*$/`): the project exists only for pull requests
   * into a base branch the regex matches (loadRepoConfigs filters by the PR's base branch).
   */
  branch?: string;
  executionOrderGroup: number;
  /** A key of `RepoConfig.workflows`; undefined = the runner's default workflow. */
  workflow?: string;
  /** Kept and reported: Sluice runs the server's binary (or `terraformBinary`), it downloads nothing. */
  terraformVersion?: string;
  /** A binary name (no path), resolved by the server. */
  terraformBinary?: string;
  helm?: HelmSettings;
  kustomize?: KustomizeSettings;
  /** Pull mode settings of this project (over the repo's). */
  drift?: DriftInput;
  /** A `-destroy` plan of this project may be applied (trusted config only). */
  allowDestroy?: boolean;
  /** A preview per pull request (trusted config only, where the server allows it). */
  preview?: PreviewSettings;
  /** `destroy_at` / `idle_ttl` of the project's own workspace (trusted config only, where the server allows `preview`). */
  destroySchedule?: DestroySchedule;
  /** Added to the server's `protect` (trusted config only). */
  protect?: string[];
  /** What a `-destroy` plan needs (trusted config only, where the server allows `destroy`). */
  destroyRule?: DestroyRule;
  /** When the approval requirement counts as met (trusted config only, where the server allows `auto_approve`). */
  autoApprove?: AutoApproveRule;
}

export interface RepoConfig {
  /** The format: Sluice's own, or Atlantis' (from `atlantis.yaml` or `atlantis.yml`). */
  source: ".sluice.yaml" | "atlantis.yaml" | "none";
  /** The file it was read from, for messages (`atlantis.yml`); absent = named by `source`. */
  file?: string;
  projects: ProjectConfig[];
  /** `ignore`: globs of dirs autodiscovery skips. */
  autodiscover: { enabled: boolean; ignore: string[] };
  parallelPlan: boolean;
  parallelApply: boolean;
  /** Atlantis' `abort_on_execution_order_fail`: a failed execution_order_group stops the later groups. */
  abortOnExecutionOrderFail?: boolean;
  /** false: PR worktrees hold every file (`sparse_checkout: false`); unset = sparse where safe. */
  sparseCheckout?: boolean;
  automerge: boolean;
  applyOn: "comment" | "merge";
  /** Approvals needed by the "approved" requirement. */
  approvals: number;
  workflows: Record<string, Workflow>;
  /** Pull mode settings for every project (over the server's defaults). */
  drift?: DriftInput;
  /** `org/team` slugs whose members may apply (honoured when the server lets repos set `apply_teams`). */
  applyTeams?: string[];
  /** Keys or values Sluice read but does not support; shown in the PR comment, never silently dropped. */
  warnings: string[];
  /**
   * The top-level settings the file writes out (the others above are defaults), so that one the
   * server does not let repos set can be named as ignored instead of dropped in silence.
   */
  setKeys?: ("apply_on" | "automerge" | "approvals")[];
}

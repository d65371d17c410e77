import type { PolicyCheck } from "../src/model/policy-check.js";
import type { PlanSummary } from "../src/model/plan-summary.js";
import type { Project, RunnerKind } from "../src/model/project.js";
import type { InputValues, OutputValues } from "../src/model/project-inputs.js";
import type { ProjectTree } from "../src/model/project-tree.js";
import type { Workflow } from "../src/model/repo-config.js";
import type { PolicyCheckRequest } from "./conftest/run-policy-check.js";
import type { ExecOptions, ExecResult } from "./exec.js";
import type { HelmRepository } from "./helm/helm-repositories.js";

/**
 * The exec choke point as runners see it: injected, so argv building stays testable. `isolated`:
 * each run is alone in a PID namespace of its own (the sandbox is on), so a run may end every
 * other process it sees without touching the host's.
 */
export type Exec = ((file: string, args: string[], opts: ExecOptions) => Promise<ExecResult>) & { readonly isolated?: boolean };

export interface PlanRequest {
  project: Project;
  /** Absolute path of the checkout (worktree) at the head SHA. */
  checkoutDir: string;
  /** Private scratch dir for this project + workspace (TF_DATA_DIR and the saved plan live here). */
  dataDir: string;
  extraArgs: string[];
  /** Environment for the tool, on top of the allowlisted base (per-repo credentials). */
  env: Record<string, string>;
  timeoutMs: number;
  redact: (text: string) => string;
  onOutput?: (chunk: string) => void;
  /**
   * Worktree at the PR's base SHA, given when the runner says `needsBase` (Helm and Kustomize plans
   * are diffs of renders). Absent, or the project dir missing there: everything is a create.
   */
  baseCheckoutDir?: string;
  /** Resolved secret values by helm value key; already registered with the redactor. */
  secretSet?: Record<string, string>;
  /** A custom workflow from the trusted config; absent = the tool's default steps. */
  workflow?: Workflow;
  /** The repo's kubeconfig from the server config: Kubernetes plans add a live diff against the cluster. */
  kubeconfig?: string;
  /** A binary name from the trusted config (e.g. `terraform1.9`) instead of the server's default. */
  binary?: string;
  /** Also fill `summary.details` (attribute-level changes; drift checks). */
  details?: boolean;
  /** Where a sandboxed run's writes outlive it (`sandbox_paths`): a local state elsewhere is refused at plan. */
  keptPaths?: readonly string[];
  /** Sluice's own dirs (Sandbox.sluiceDirs): a local state there is refused at plan, sandbox or not. */
  sluiceDirs?: readonly string[];
  /** Server `allow_checkout_state`: a local state inside the checkout may be applied (else the plan says it will be refused). */
  checkoutStateAllowed?: boolean;
  /** Server `helm_repositories`, credentials resolved: where chart dependencies may come from. */
  helmRepositories?: HelmRepository[];
  /** Server `policies`: conftest runs over the plan JSON after the plan (Terraform/OpenTofu only). */
  policyCheck?: PolicyCheckRequest;
  /** The pull request's Atlantis step variables for `run` steps (BASE_REPO_NAME, PULL_NUM, …). */
  stepVariables?: Record<string, string>;
  /** Values from other projects' outputs (`values_from`); Terraform's come as `TF_VAR_` in `env`. */
  inputs?: InputValues;
  /** Some of those inputs are other projects' sensitive outputs: the plan's errors and warnings never leave (DIAGNOSTICS_WITHHELD). */
  givenSecrets?: boolean;
  /**
   * Plan the removal of everything the project holds (Terraform's `-destroy`; for a Helm or
   * Kustomize preview, its objects and its namespace).
   */
  destroy?: boolean;
}

export type PlanOutcome =
  | {
      ok: true;
      summary: PlanSummary;
      output: string;
      planFile: string;
      durationMs: number;
      policy?: PolicyCheck;
      /** Terraform: the root outputs as planned (values in clear: never logged or stored). */
      outputs?: OutputValues;
      /**
       * Terraform: a digest of the remote backend init set up (backendDigest; never shown, the
       * config may hold credentials), so that a hold on that backend kept under another dir holds this plan too.
       */
      backend?: string;
    }
  | { ok: false; failedStep: string; message: string; output: string; durationMs: number };

export interface ApplyRequest {
  project: Project;
  checkoutDir: string;
  /** The same scratch dir the plan used: the saved plan and TF_DATA_DIR are there. */
  dataDir: string;
  planFile: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Builds the redaction for this apply, given the values the saved plan marks sensitive. */
  redactWith: (sensitiveValues: string[]) => (text: string) => string;
  onOutput?: (chunk: string) => void;
  /** The kubeconfig the server config gives this repo; Kubernetes runners apply nothing without one. */
  kubeconfig?: string;
  secretSet?: Record<string, string>;
  workflow?: Workflow;
  binary?: string;
  helmRepositories?: HelmRepository[];
  /** As in PlanRequest. */
  stepVariables?: Record<string, string>;
  /** As in PlanRequest: a Helm apply renders the release again with the same values. */
  inputs?: InputValues;
  /** Server `allow_checkout_state`: unless true, a Terraform apply whose state is a local file inside the checkout is refused. */
  checkoutStateAllowed?: boolean;
}

export type ApplyOutcome = { output: string; durationMs: number; sensitiveValues: string[] } & (
  | {
      ok: true;
      /**
       * Terraform: the state read back through the backend after the apply (serials before and
       * after), and the managed resource instances it held (`addresses`): the live record keeps
       * them as the project's trusted count.
       */
      readBack?: { serialBefore: number; serialAfter: number; checked: number; addresses: number };
    }
  | {
      ok: false;
      message: string;
      /** A state terraform could not save (`errored.tfstate`, read with care): Sluice keeps it. */
      erroredState?: Buffer;
      /** With it: a digest of the backend that refused it (backendDigest), the only one it is pushed into. */
      erroredBackend?: string;
      /**
       * Refused before any step of the apply workflow started (its credentials could not be made;
       * Terraform: the project not set up again, the saved plan or the state before unreadable):
       * the state is as it was, so its PR's locks are not kept for a person's look at its close
       * (rule 8). Never once a step (an `apply`, a `run`) started, whatever it said.
       */
      untouched?: true;
    }
);

/** A tool's projects in a repository, and those a change touches (pure over the tree). */
export interface ProjectDetector {
  kind: RunnerKind;
  /** Affected projects carry `why` where the detector knows which file touches them. */
  detect(tree: ProjectTree, changedFiles: readonly string[]): { projects: Project[]; affected: Project[] };
  /**
   * A configured project of this kind: why a change touches what it renders (the files it reads
   * wherever they are), one line each starting with the file in backticks; empty when it does not. Its `when_modified` globs are
   * matched besides, so a configured project is planned at least when an autodiscovered one is.
   */
  follow?(project: Project, tree: ProjectTree, changedFiles: readonly string[]): string[];
}

/** Each IaC tool is a strategy with this shape; adding a tool = one folder + one registry line. */
export interface Runner {
  kind: RunnerKind;
  /** The job must provide `baseCheckoutDir`. */
  needsBase?: boolean;
  plan(req: PlanRequest, exec: Exec): Promise<PlanOutcome>;
  /** Applies exactly the saved plan file; never re-plans. */
  apply(req: ApplyRequest, exec: Exec): Promise<ApplyOutcome>;
  /** Absent: the tool has no state of its own to import into or remove from (Helm, Kustomize). */
  state?(req: StateRequest, exec: Exec): Promise<StateOutcome>;
  /** The state operations `state` runs; absent: all of them. */
  stateOperations?: readonly StateOperation["kind"][];
  /** The root outputs in the project's state, read through the tool (`output -json`); absent: the tool has none. */
  outputs?(req: OutputsRequest, exec: Exec): Promise<OutputsOutcome>;
  /**
   * The digest of the remote backend a plan's data dir was set up with (as PlanOutcome's
   * `backend`), read before its apply; undefined when none is known (absent: the tool has none).
   */
  backendOf?(dataDir: string): string | undefined;
}

/** Reads state only: init, then `output -json`. */
export type OutputsRequest = Omit<StateRequest, "operation">;

export type OutputsOutcome = { ok: true; outputs: OutputValues } | { ok: false; failedStep: string; message: string; output: string };

/** `/import` and `/state rm`: change the project's state directly, with no saved plan. */
export type StateOperation =
  | { kind: "import"; address: string; id: string }
  | { kind: "rm"; addresses: string[] }
  /** `state push` of a state file Sluice kept (a path in the run's data dir), read back after. */
  | {
      kind: "push";
      file: string;
      /** The digest of the backend that refused the state (backendDigest): pushed into that one only. */
      backend?: string;
    };

export interface StateRequest {
  project: Project;
  checkoutDir: string;
  /** A scratch dir of its own (TF_DATA_DIR lives here). */
  dataDir: string;
  operation: StateOperation;
  /**
   * The project's workflow from the trusted config: its plan's `init` (and `env`) steps set the
   * backend up as plans and applies have it (`-backend-config`), so a state command changes that state.
   */
  workflow?: Workflow;
  env: Record<string, string>;
  timeoutMs: number;
  redact: (text: string) => string;
  onOutput?: (chunk: string) => void;
  binary?: string;
  /** As in PlanRequest: a local state the sandbox does not keep is refused (the change would vanish with the run). */
  keptPaths?: readonly string[];
  /** As in PlanRequest. */
  sluiceDirs?: readonly string[];
  /** As in ApplyRequest: unless true, a local state inside the checkout is refused. */
  checkoutStateAllowed?: boolean;
  /**
   * Why the remote backend init set up (by its digest) is held under another dir, if it is: the
   * command is refused, as it is on the project's own held dir.
   */
  heldBackend?: (backend: string) => Promise<string | undefined>;
}

export type StateOutcome =
  | { ok: true; output: string; durationMs: number }
  | {
      ok: false;
      failedStep: string;
      message: string;
      output: string;
      durationMs: number;
      /** A state terraform could not save (`errored.tfstate`, read with care): Sluice keeps it. */
      erroredState?: Buffer;
      /** With it: a digest of the backend that refused it (backendDigest), the only one it is pushed into. */
      erroredBackend?: string;
    };

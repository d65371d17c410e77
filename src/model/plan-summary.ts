import type { InputRecord } from "./project-inputs.js";

/**
 * What one resource instance will undergo. "replace" covers both delete-then-create and
 * create-then-delete; "forget" removes from state without destroying (Terraform >= 1.7).
 */
export type ResourceAction = "create" | "update" | "delete" | "replace" | "read" | "forget";

export interface ResourceChange {
  address: string;
  action: ResourceAction;
  /** Terraform's action_reason, e.g. "replace_because_tainted", when present. */
  reason?: string;
  /** Set when the resource moved (moved block / state mv) from another address. */
  previousAddress?: string;
  /** Set when the change imports an existing object. */
  importing?: boolean;
}

export interface OutputChange {
  name: string;
  action: "create" | "update" | "delete";
  sensitive: boolean;
}

/** The result of reading `terraform show -json PLANFILE`: pure data, ready to render. */
export interface PlanSummary {
  /** Terraform counting: a replace adds 1 to add AND 1 to destroy, as `terraform plan` prints. */
  add: number;
  change: number;
  destroy: number;
  replace: number;
  /** Resources moved without other changes; imports; forgets. */
  move: number;
  import: number;
  forget: number;
  /** Changed resources (no-op and moved-only excluded unless moved), destroys and replaces first. */
  resources: ResourceChange[];
  /** Moved-only resources (no other change), as `from -> to`. */
  moves: { from: string; to: string }[];
  /** Imported-only resources (no other change): their addresses. Absent in plans of older Sluice versions. */
  imports?: string[];
  outputs: OutputChange[];
  /**
   * The actions (Terraform 1.14+) applying the plan invokes, by address and action type: an
   * action does whatever its provider offers (invoke a function, stop an instance), so the plan
   * rules count it. Absent when the plan invokes none.
   */
  actions?: { address: string; type: string }[];
  /** True when applying would change anything (resources, outputs or actions). */
  hasChanges: boolean;
  /**
   * Every concrete value the plan marks sensitive (before and after), stringified, for redaction.
   * Never rendered.
   */
  sensitiveValues: string[];
  terraformVersion?: string;
  formatVersion?: string;
  /**
   * Attribute-level detail, only when the request asked for it (drift checks): per changed
   * resource, its attributes before → after (sensitive ones masked) and whether it drifted.
   */
  details?: { address: string; drifted: boolean; attributes: { name: string; before: string; after: string }[] }[];
  /**
   * Digest of each listed change's planned values by address (outputs as `output.NAME`), and of
   * each root variable's value (`var.NAME`); the values themselves are never kept. Absent when the tool's plan has no comparable values.
   */
  changeHashes?: Record<string, string>;
  /**
   * A teardown, applied only where `allow_destroy` says so and held by the `destroy:` rule: planned
   * with `-destroy`, or one whose deletes take most of what its state holds (`teardown`).
   */
  destroyPlan?: boolean;
  /**
   * The plan deletes `destroys` of the `held` managed resource instances its prior state holds,
   * more than half of them: the teardown of a PR that deleted or emptied the project's code, whatever
   * it creates besides (Terraform/OpenTofu). Absent on other plans and on `-destroy` plans.
   */
  teardown?: {
    destroys: number;
    held: number;
    /**
     * Of `destroys`, those the pull request's earlier applies of the project already made: a
     * project taken down a few resources at a time (`/plan -- -target=…`, each applied) is
     * measured against what it held before the first of them (`held`). Set (0 too) whenever the
     * earlier applies changed the count: what they created is taken off `held`.
     */
    applied?: number;
    /**
     * Measured against the most the project's state held after an apply since its last teardown
     * (`held`, the live record's trusted count, whichever pull request applied): `applied` is
     * what is gone of it before this plan.
     */
    sincePeak?: boolean;
  };
  /**
   * What the plan deletes of the managed resource instances its prior state holds (imports taken
   * off), on every Terraform/OpenTofu plan that deletes: a later plan of the same pull request adds
   * up what its applies deleted (see `teardown.applied`).
   */
  deleted?: { destroys: number; held: number };
  /**
   * Repo dirs (`.` = root) of the local modules Terraform loaded for this plan, from its module
   * manifest: they add code owners to the apply, whatever the HCL text seems to say.
   */
  moduleDirs?: string[];
  /** Where the project's state lives, as its backend said at init (Terraform/OpenTofu); shown with the plan. */
  stateAt?: string;
  /** What the reader should know about this plan (e.g. state that goes away with the checkout). */
  warnings?: string[];
  /** What the plan used for each `inputs_from` / `values_from` input: the apply gate compares it with the producer's outputs. */
  inputs?: InputRecord[];
  /**
   * Per updated or replaced resource (by address): the names of the top-level attributes that
   * change (Kubernetes objects: the changed top-level fields, `metadata.*` one level deeper, e.g.
   * `metadata.labels`). Names only, never values. Absent in plans made before Sluice recorded it:
   * rules that need it (`auto_approve` `only_tags`) then fail closed.
   */
  changedAttributes?: Record<string, string[]>;
  /**
   * Kubernetes plans given a kubeconfig: what applying the head would change in the cluster as it
   * is (the live diff, by object address), or why that could not be read. Not counted above: the
   * counts are the render diff, what the saved plan applies; drift checks read this.
   */
  live?: { ok: true; changes: { address: string; action: "create" | "update" | "delete" }[] } | { ok: false; reason: string };
}

import type { OutputChange, ResourceAction } from "./plan-summary.js";

/** One destroyed or replaced resource, by address and by type (`aws_db_instance`, `Deployment`). */
export interface ResourceRef {
  address: string;
  type: string;
  /** The address it had in state before a `moved` block: what `protect` named may be this one. */
  previousAddress?: string;
}

/**
 * What a saved plan would do, as the trusted plan rules (`protect`, `destroy`, `auto_approve`)
 * read it: computed once from the plan's stored summary, never from the tool again.
 */
export interface PlanContent {
  /** Nothing would change: no resource, no output. */
  empty: boolean;
  /** Resources by what they undergo (a replace counts once, as `replace`). */
  counts: Record<ResourceAction, number>;
  /** Resources that change (reads excluded), with moves and imports. */
  changes: number;
  destroys: ResourceRef[];
  replaces: ResourceRef[];
  /** Resources this plan gives a new address (`moved` blocks, a new `count`), with or without other changes. */
  moves: { from: string; to: string }[];
  /** Every changed resource's type (imported ones too), once each, sorted. */
  types: string[];
  /**
   * Resources imported without other changes whose addresses the stored plan does not record (a
   * plan of an older Sluice): their types are unknown, so `auto_approve`'s `types` fails closed.
   */
  unlistedImports?: number;
  /** Per updated/replaced address: the attributes that change; undefined when the plan did not record them. */
  attributes?: Record<string, string[]>;
  /** Only tags/labels change; or why that cannot be said (rules then fail closed). */
  onlyTags: boolean | { unknown: string };
  outputs: OutputChange[];
  /** A `-destroy` plan: a teardown of the whole project. */
  destroyPlan: boolean;
}

/** The trusted rules that read a plan, for one project (server config and, where allowed, the base branch's project). */
export interface PlanRules {
  /** Address globs: a plan that destroys or replaces a match is refused unless an owner overrides it. */
  protect: { pattern: string; source: string }[];
  /** Who may `/apply --override-protect`: the server's admins and `protect_owners` (users, org/team). */
  owners: string[];
  /** What a whole-project destroy plan needs besides `allow_destroy`. */
  destroy?: DestroyRule & { source: string };
  /** When the approval requirement counts as met. */
  autoApprove?: AutoApproveRule & { source: string };
}

export interface DestroyRule {
  /** Approvals of the current commit, counted from members of `teams` (every approver when no teams). */
  approvals: number;
  teams: string[];
  /** When a destroy may be applied (an apply window's shape, matching this project). */
  window?: { allow?: string; deny?: string; duration: number; timezone: string };
}

export type AutoApproveCondition = "empty" | "only_tags" | "no_destroy";

export interface AutoApproveRule {
  /** Any one of these (default `no_destroy`), and the limits below too. */
  when: AutoApproveCondition[];
  max_changes?: number;
  /** Globs over resource types: every changed resource's type must match one. */
  types?: string[];
}

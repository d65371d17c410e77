/**
 * The roads by which Sluice changes infrastructure. Every one of them passes the gate
 * (src/gate/): a new road is a new member here, and the gate's table must say which rules it takes.
 */
export type Road =
  /** `/apply` on a pull request. */
  | "comment"
  /** The "Apply" action of a `sluice/plan` check run. */
  | "button"
  /** Apply on merge (`apply_on: merge`). */
  | "merge"
  /** `/apply` on a drift issue: the plan the issue shows. */
  | "drift-issue"
  /** `on_drift: apply`: a drift check putting git's state back by itself. */
  | "reconcile"
  /** `/import ADDRESS ID` on a pull request. */
  | "import"
  /** `/state rm ADDRESS…` on a pull request. */
  | "state-rm"
  /** `/state push-errored` on a pull request: the state Sluice kept when terraform could not save it. */
  | "state-push"
  /** A pull request's preview: its own workspace planned and applied when the PR opens or changes. */
  | "preview-apply"
  /** A preview torn down: the PR closed, its TTL passed, `/preview destroy`, or the console. */
  | "preview-destroy"
  /** `destroy_at` / `idle_ttl` of a workspace that is not a preview. */
  | "scheduled-destroy";

export const ROADS: readonly Road[] = [
  "comment",
  "button",
  "merge",
  "drift-issue",
  "reconcile",
  "import",
  "state-rm",
  "state-push",
  "preview-apply",
  "preview-destroy",
  "scheduled-destroy",
];

/** The gate's rules, each one named in a refusal's audit record. */
export type GateRule =
  /** The server-wide stop (`/applies pause`, the console's brake). */
  | "pause"
  /** Who asked may do this on this road. */
  | "actor"
  /** The server's per-project `permissions` name who may take this action on the project. */
  | "permission"
  /** The project's apply windows and change freezes (a server admin may override one apply). */
  | "window"
  /** The plan is the verified, still pending plan of the live commit. */
  | "plan"
  /** The outputs the plan took from other projects (`inputs_from`, `values_from`) are still theirs. */
  | "inputs"
  /** A state command touches only a project the pull request changes. */
  | "changed"
  /** A state command's comment was not written before the pull request's head was pushed (an `/apply`'s is the plan rule's). */
  | "asked-before-head"
  /** The project lock: held by this PR (PR roads), or held by no PR (drift roads). */
  | "lock"
  /** Approvals, code owners, mergeable, undiverged, verified commits (PR roads). */
  | "requirements"
  /** Pull mode's `verified_commits`: the default branch head being applied is verified by GitHub. */
  | "verified"
  /**
   * Destroy plans, and reconciles that destroy or replace, need the trusted `allow_destroy`; a
   * `-destroy` plan under a trusted `destroy:` rule also needs its approvals and its window.
   */
  | "destroy"
  /** Server policy checks over the very plan being applied. */
  | "policies"
  /** `/drift pause` stops reconciliation of a project. */
  | "drift-pause"
  /** The server's `agents` may plan, never apply or override. */
  | "agent"
  /** A plan that destroys or replaces a `protect`ed address needs an owner's `--override-protect`. */
  | "protect";

/** A road's PR-ness: the requirements of a pull request apply only where there is one. */
export const PR_ROADS: ReadonlySet<Road> = new Set(["comment", "button", "merge", "import", "state-rm", "state-push"]);

/**
 * A comment's `/apply` older than the plan it would apply, by someone else: written before it was
 * made (`plannedAt`), or before it was shown (`notShown`: its job's comment not posted yet;
 * `shownAt`: posted then, when its job ended). `shownOn: "issue"`: a drift check's plan, shown when
 * its issue was updated with it (never, when that update failed).
 */
export interface AskedBeforePlan {
  askedAt: string;
  plannedAt: string;
  by: string;
  notShown?: true;
  shownAt?: string;
  shownOn?: "issue";
}

import type { AskedBeforePlan } from "../model/gate.js";
import type { Road } from "../model/gate.js";
import type { Requirement } from "../model/repo-config.js";
import type { ApplyFacts } from "../policy/check-apply-policy.js";
import type { CodeOwnerFacts } from "../policy/code-owners.js";
import type { CountedApprovals } from "../policy/count-approvals.js";
import type { Decision } from "../policy/decision.js";
import type { PolicyFact } from "../policy/policy-status.js";
import type { PauseState } from "../store/console-store.js";
import type { StaleInput } from "../inputs/stale-inputs.js";
import type { WindowState } from "./apply-windows.js";
import type { PlanContent, PlanRules } from "../model/plan-content.js";

/** The saved plan a road wants to apply, as verified inside the project's run lock. */
export interface PlanFacts {
  /** The commits the plan was made for (base: PR roads only). */
  madeFor: { headSha: string; baseSha?: string };
  /** The live commits now: the PR's head and base, or the default branch head for drift roads. */
  live: { headSha: string; baseSha?: string };
  /** An apply from a check run's "Apply" button: the head SHA that check run was made for. */
  clickedSha?: string;
  /**
   * An apply from the button of a check run whose maker is known: whether this plan is one that
   * check shows (made by the job that made the check), not one planned since or by another `/plan`.
   */
  onClickedCheck?: boolean;
  /**
   * A comment's `/apply` written before the PR's head was pushed (both on GitHub's clock): it
   * never saw the commit it would apply (its delivery late, or queued behind others).
   */
  askedBeforeHead?: { askedAt: string; pushedAt: string };
  /**
   * A comment's `/apply` written before this plan was made by someone else (`by`), or while the
   * job that made it still ran (`notShown`: its comment, showing the plan, not posted yet): it never saw it either.
   */
  askedBeforePlan?: AskedBeforePlan;
  /** Still the pending plan (no newer plan, not used, not discarded). */
  stillPending: boolean;
  /** The file about to be applied has the sha256 recorded when the plan was made. */
  file: { ok: true } | { ok: false; reason: string };
  /** What the reply tells the user to do for a fresh plan (`/plan`, `/drift -p X`). */
  replan: string;
  /** Whose head `live` is: a pull request's, or the default branch's (drift roads). */
  headOf: "pull request" | "default branch";
}

/** What the plan would do, and the trusted rules that read it (`protect`, `destroy`, `auto_approve`). */
export interface PlanRuleFacts {
  /** From the saved plan's stored summary; unreadable: rules that need it fail closed. */
  content: PlanContent | { unreadable: string };
  rules: PlanRules;
  /** `/apply --override-protect -- reason`, and whether who asked is one of `rules.owners`. */
  overrideProtect?: { by: string; reason: string; owner: boolean };
  /** A `-destroy` plan under a `destroy:` rule: the counted approvers from its teams, and its window now. */
  destroy?: {
    approvers: string[];
    window: WindowState;
    /** Why some approvals were not counted (the head's pusher gave them), said in a refusal. */
    notCounted?: string;
  };
}

/** The server's `agents`: who asked is one, and the agent that proposed what is applied (the PR's author or pusher). */
export interface AgentFacts {
  actor: boolean;
  proposedBy?: string;
}

/** A pull request's requirements and what they are judged on. */
export interface RequirementFacts {
  requirements: readonly Requirement[];
  approvalsNeeded: number;
  facts: ApplyFacts;
  /**
   * Approvals count from this instant on: when the plan was made, or when an earlier plan of the
   * same commits with identical changes was made (a re-plan that changed nothing keeps approvals).
   * Undefined for state commands, which have no plan: approvals of the live head count.
   */
  approvalsFrom?: string;
  /** When approvals given before `approvalsFrom` exist: how the plan changed since they were given. */
  changedSinceEarlier?: string;
  /** For `code_owners`: the plan's files and their owners from the base branch's CODEOWNERS. */
  codeOwners?: CodeOwnerFacts;
  /**
   * The approvals that count, over `facts` from `approvalsFrom` on: counted once (requirementFacts)
   * and read by every consumer (`approved`, `code_owners`, a `destroy:` rule, the pass's approvers).
   */
  counted: CountedApprovals;
}

/**
 * Everything the gate decides on, for one project on one road. The job gathers these facts (from
 * GitHub, git and the store, inside the project's run lock); the gate only reads them.
 */
export interface GateFacts {
  road: Road;
  repo: string;
  /** The project's name in this job (the one the gate's pass is for). */
  project: string;
  /** Its trusted identity as the audit names it (`OWNER/REPO:NAME`, or a new project's dir): what every rule was found by. */
  identity?: string;
  /**
   * The name its audit event is filed under (what notifications and an auditor's query match):
   * the base branch's project's, never one the PR gave it; a new project's own, told apart from a
   * base project's (`NAME (new: dir D)`) as its applies are recorded (recordName).
   */
  recordedAs?: string;
  /** The pull request or drift issue; 0 for a reconcile. */
  number: number;
  /** Who asked ("sluice" for a reconcile). */
  actor: string;
  /** The console's emergency brake (`/applies pause`), as the store holds it. */
  pause: PauseState | undefined;
  /** Who asked may do this on this road (write access, `apply_users`/`apply_teams`, or the trusted `on_drift: apply`). */
  actorAllowed: Decision;
  /** The server's per-project `permissions` for this action (absent: no rule names it, write access is enough). */
  permission?: Decision;
  /** The project's apply windows and freezes, now. */
  window: WindowState;
  /** `/apply --override-window -- reason`: honoured only for the server's admins. */
  override?: { by: string; reason: string; admin: boolean };
  /** Absent for state commands, which apply no plan. */
  plan?: PlanFacts;
  /** PR roads: this PR holds the project's lock. Drift roads: the PR holding it, if any. */
  lock: { road: "pr"; held: boolean; heldByPr?: number } | { road: "drift"; heldByPr: number | undefined };
  /** State commands: the pull request's own changes touch the project. */
  changedByPr?: boolean;
  /**
   * State commands: the comment (`command`, e.g. `/import`) was written before the head it acts
   * on (`headSha`) was pushed, both on GitHub's clock; an `/apply`'s is its plan's `askedBeforeHead`.
   */
  askedBeforeHead?: { command: string; headSha: string; askedAt: string; pushedAt: string };
  /** PR roads. */
  requirements?: RequirementFacts;
  /** A destroy plan, or a reconcile that destroys or replaces: allowed only by the trusted `allow_destroy`. */
  destroy?: { destroys: boolean; allowed: boolean; what: string };
  /** Server policy checks over this plan (by its hash); state commands have no plan to check. */
  policies?: PolicyFact;
  /** Drift roads with `verified_commits`: whether GitHub shows the default branch head being applied as verified. */
  verifiedHead?: Decision;
  /**
   * Plans that took other projects' outputs: those that differ now, or why the producers' state
   * could not be read. Absent: the plan took none.
   */
  inputs?: { stale: StaleInput[] } | { unreadable: string };
  /** Reconcile: `/drift pause` (or a failed reconcile) stops it. */
  driftPause?: { actor: string; reason: string };
  /** Roads that apply a plan: the plan's content and the trusted rules over it (absent: not gathered, refused). */
  planRules?: PlanRuleFacts;
  /** Absent: the server names no agents. */
  agents?: AgentFacts;
}

import type { PolicyApproval, PolicyCheck } from "../model/policy-check.js";

/** Which saved plan a policy record belongs to: the plan's hash keeps approvals to that exact plan. */
export interface PlanKey {
  repo: string;
  pr: number;
  planHash: string;
}

/**
 * Policy check outcomes and `/approve_policies` approvals, both keyed by the plan's hash: a new
 * plan (another hash) has no outcome and no approvals until it is checked and approved itself.
 */
export interface PolicyStore {
  /** Records (or replaces) the policy outcome of one plan. */
  savePolicyCheck(key: PlanKey, check: PolicyCheck): Promise<void>;
  policyCheckOf(key: PlanKey): Promise<PolicyCheck | undefined>;
  /**
   * Records `user`'s approval of each set that failed in `seen` (the check the approver was shown)
   * and still fails alike (a set re-checked since with other failures, or passing, is left out);
   * approving a set twice counts once. Returns the sets recorded. `userId`: the approver's
   * account, which the owners a server setting names are matched by.
   */
  approvePolicies(key: PlanKey, user: string, policySets: string[], seen: PolicyCheck | undefined, userId?: number): Promise<string[]>;
  /** Approvals of one plan, oldest first. */
  policyApprovals(key: PlanKey): Promise<PolicyApproval[]>;
  /** `/approve_policies --clear-policy-approval`: forgets the plan's approvals; returns how many. */
  clearPolicyApprovals(key: PlanKey): Promise<number>;
}

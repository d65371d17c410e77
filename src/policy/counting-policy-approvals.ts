import { type PolicyApproval, type PolicyCheck, sameFailures } from "../model/policy-check.js";

/** One plan's policy outcome and the approvals given for it. */
export interface ApprovedCheck {
  check: PolicyCheck | undefined;
  approvals: PolicyApproval[];
}

/**
 * Pure: the approvals that count for a plan's policy sets: its own, and those given to earlier
 * plans identical to it (`earlier`: same head, same changes, see identicalEarlierPlans) for a set
 * that failed there with exactly the failures it has now. A re-plan that changed nothing (its base
 * branch moved) is still what the owners approved; a set whose failures read otherwise (the
 * policy changed) needs approval again.
 */
export function countingPolicyApprovals(current: ApprovedCheck, earlier: readonly ApprovedCheck[]): PolicyApproval[] {
  const counting = [...current.approvals];
  for (const outcome of current.check?.sets ?? []) {
    if (outcome.status !== "failed") continue;
    for (const plan of earlier) {
      const then = plan.check?.sets.find((s) => s.name === outcome.name);
      if (sameFailures(then, outcome)) counting.push(...plan.approvals.filter((a) => a.policySet === outcome.name));
    }
  }
  return counting;
}

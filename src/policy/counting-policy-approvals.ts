import type { PolicyApproval, PolicyCheck, PolicySetOutcome } from "../model/policy-check.js";

/** One plan's policy outcome and the approvals given for it. */
export interface ApprovedCheck {
  check: PolicyCheck | undefined;
  approvals: PolicyApproval[];
}

const failuresOf = (outcome: PolicySetOutcome | undefined): string | undefined =>
  outcome?.status === "failed" ? JSON.stringify([...outcome.failures].sort()) : undefined;

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
    const failures = failuresOf(outcome);
    if (failures === undefined) continue;
    for (const plan of earlier) {
      if (failuresOf(plan.check?.sets.find((s) => s.name === outcome.name)) !== failures) continue;
      counting.push(...plan.approvals.filter((a) => a.policySet === outcome.name));
    }
  }
  return counting;
}

/**
 * The outcome of one conftest policy set over one plan. `error` means the set could not be
 * evaluated at all (conftest failed, or its output was unreadable): it never counts as a pass.
 */
export type PolicySetOutcome =
  | { name: string; status: "passed"; successes: number; warnings: string[] }
  | {
      name: string;
      status: "failed";
      successes: number;
      /** The first 50 failures, then a line saying how many more there were. */
      failures: string[];
      warnings: string[];
      /** Past 50 failures: a digest of all of them, keyed with the server's plan key. */
      allFailures?: string;
    }
  | { name: string; status: "error"; message: string };

/** Every policy set run over one saved plan, in the server config's order. */
export interface PolicyCheck {
  sets: PolicySetOutcome[];
}

/** One policy owner's `/approve_policies` of one failing set, for one plan (by its hash). */
export interface PolicyApproval {
  policySet: string;
  user: string;
  /** The giver's GitHub account id (none: recorded by an older version): owners are matched by it. */
  userId?: number;
}

const failuresOf = (outcome: PolicySetOutcome | undefined): string | undefined =>
  outcome?.status === "failed" ? JSON.stringify([[...outcome.failures].sort(), outcome.allFailures ?? null]) : undefined;

/** Pure: whether two outcomes of one set failed alike (the same failures, in any order), so an approval of one holds for the other. */
export const sameFailures = (a: PolicySetOutcome | undefined, b: PolicySetOutcome | undefined): boolean =>
  failuresOf(a) !== undefined && failuresOf(a) === failuresOf(b);

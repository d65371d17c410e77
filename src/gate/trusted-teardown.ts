import type { PlanSummary } from "../model/plan-summary.js";
import type { TrustedStateCount } from "../model/state-count.js";

type Deleted = NonNullable<PlanSummary["deleted"]>;

/**
 * A plan's deletes measured against the state the project's last apply read back through the
 * backend, where that holds fewer than the plan's prior state: the prior state is read from the
 * plan file the run wrote (the PR's code can rewrite it, and terraform applies it), so what it
 * claims beyond the trusted count dilutes nothing. Never looser than the plan's own count; stricter
 * only where resources were added outside Sluice since.
 */
export function trustedDeleted(deleted: Deleted, trusted: TrustedStateCount | undefined): Deleted {
  if (!trusted) return deleted;
  return { destroys: deleted.destroys, held: Math.max(Math.min(deleted.held, trusted.now), deleted.destroys) };
}

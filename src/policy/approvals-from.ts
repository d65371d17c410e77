import type { StoredSummary } from "../store/store.js";
import { compareChanges } from "./compare-changes.js";

interface PlanOfHistory {
  id: number;
  headSha: string;
  baseSha: string;
  createdAt: string;
  summary: Pick<StoredSummary, "resources" | "outputs" | "changeHashes"> & Partial<Pick<StoredSummary, "actions" | "moves" | "imports">>;
}

/**
 * The plans before `plan` of the same head whose changes (addresses, actions, value digests) are
 * identical to it at every step, newest first; when the walk stops at a plan that differs,
 * `changed` says how.
 */
function identicalChain<P extends PlanOfHistory>(history: readonly P[], plan: P, anyHead = false): { chain: P[]; changed?: string } {
  const earlier = history.filter((p) => p.id < plan.id).sort((a, b) => b.id - a.id);
  const chain: P[] = [];
  let from: P = plan;
  for (const p of earlier) {
    if (!anyHead && p.headSha !== plan.headSha) break;
    const changed = compareChanges(p.summary, from.summary);
    if (changed) return { chain, changed };
    chain.push(p);
    from = p;
  }
  return { chain };
}

/**
 * From when approvals count for `plan`: its own time, or the time of the earliest plan before it
 * of the same head whose changes are identical at every step, so a re-plan that changed nothing
 * keeps the approvals given after the first. The base may have moved between them: an open PR's
 * base is its base branch's tip, so any merge there makes its plan stale, and an unchanged
 * re-plan is still what the reviewers approved (the rules are read now, at apply). When the chain
 * stops at a plan that differs, `changed` says how, for the refusal.
 */
export function approvalsFrom(history: readonly PlanOfHistory[], plan: PlanOfHistory): { from: string; changed?: string } {
  const { chain, changed } = identicalChain(history, plan);
  const from = (chain.at(-1) ?? plan).createdAt;
  return changed ? { from, changed } : { from };
}

/**
 * The earlier plans of the same head identical to `plan` (see approvalsFrom), newest first;
 * `anyHead`: of any commit (a drift issue's checks, made at whatever the default branch was then).
 */
export function identicalEarlierPlans<P extends PlanOfHistory>(history: readonly P[], plan: P, anyHead = false): P[] {
  return identicalChain(history, plan, anyHead).chain;
}

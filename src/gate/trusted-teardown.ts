import type { PlanSummary } from "../model/plan-summary.js";
import { deletesIn } from "../../runners/terraform/teardown.js";
import type { PlanStateChanges, TrustedStateCount } from "../model/state-count.js";

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

/**
 * The plan's teardown measured against the most the project's state held after an apply since its
 * last teardown (the live record, by repo, dir and workspace, whichever pull request applied): a
 * project taken down a few resources at a time by several pull requests, or by one closed and
 * opened again, is held once what the applies since that peak deleted and this plan deletes are
 * more than half of it. What they deleted counts no further than the state fell since the peak:
 * what was forgotten or moved out of the state is no delete, and a delete made up for by a create
 * (a resource replaced by another, one apply or two) takes nothing away. Undefined when they are
 * not, or when no apply read the state back since.
 */
export function peakTeardownOf(deleted: Deleted, trusted: TrustedStateCount | undefined): PlanSummary["teardown"] | undefined {
  if (!trusted) return undefined;
  const applied = Math.max(0, Math.min(trusted.deletedSincePeak, trusted.peak - deleted.held));
  if (applied === 0) return undefined;
  const destroys = applied + deleted.destroys;
  return destroys * 2 > trusted.peak ? { destroys, held: trusted.peak, applied, sincePeak: true } : undefined;
}

/** What a plan applied changes in its state's count, from its summary (see PlanStateChanges). */
export function stateChangesOf(summary: Pick<PlanSummary, "resources"> & Pick<Partial<PlanSummary>, "imports">): PlanStateChanges {
  const grows = summary.resources.filter((r) => r.action === "create" || r.importing).length + (summary.imports ?? []).length;
  return { grows, deletes: deletesIn(summary.resources) };
}

/**
 * A plan's summary with its deletes measured against the trusted count (see trustedDeleted) and
 * marked a teardown where it deletes most of that, or most of the peak with the deletes applied
 * since it (see peakTeardownOf). For a plan no pull request's earlier applies add to (a drift check's).
 */
export function withTrustedCount<S extends Pick<PlanSummary, "deleted" | "teardown">>(
  summary: S,
  trusted: TrustedStateCount | undefined,
): S {
  if (!summary.deleted || !trusted) return summary;
  const deleted = trustedDeleted(summary.deleted, trusted);
  const teardown = deleted.destroys * 2 > deleted.held ? deleted : peakTeardownOf(deleted, trusted);
  const { teardown: _asRead, ...rest } = summary;
  return (teardown ? { ...rest, deleted, teardown } : { ...rest, deleted }) as S;
}

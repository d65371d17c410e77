import type { DriftedResource } from "../model/drift.js";
import type { PlanSummary } from "../model/plan-summary.js";

/**
 * What a plan of the default branch head says about one project (pure). Every change it would make
 * is drift; the cause is told apart like this:
 * - a resource in the plan's resource_drift changed outside git (a refresh saw it);
 * - otherwise, when git says the project's files are unchanged since its last recorded apply
 *   (`changedSinceLive === false`), the difference can only come from outside git (state edited,
 *   an apply from elsewhere);
 * - otherwise the default branch head carries changes that were never applied ("in git, not applied").
 */
export function classifyDrift(summary: PlanSummary, changedSinceLive: boolean | undefined): DriftedResource[] {
  const fromGit = changedSinceLive !== false;
  if (summary.details) {
    const actions = new Map(summary.resources.map((r) => [r.address, r.action]));
    return summary.details.map((d) => ({
      address: d.address,
      action: actions.get(d.address) ?? "drifted",
      cause: d.drifted || !fromGit ? "outside" : "git",
      attributes: d.attributes,
    }));
  }
  return summary.resources.map((r) => ({ address: r.address, action: r.action, cause: fromGit ? "git" : "outside", attributes: [] }));
}

/** Destroys and replaces are never reconciled unless allowed: one wrong plan would delete data. */
export function destroysSomething(summary: Pick<PlanSummary, "destroy" | "replace" | "resources">): boolean {
  return summary.destroy > 0 || summary.replace > 0 || summary.resources.some((r) => r.action === "delete" || r.action === "replace");
}

/**
 * A Kubernetes project's drift is in its live diff: on the default branch its render diff is git
 * against itself, always empty. What the cluster holds that applying the branch would change is
 * drift from outside git; a live diff that could not be read leaves the check unanswered, never
 * "in line". Undefined for a plan with no live diff (Terraform, or no kubeconfig).
 */
export function liveDrift(summary: Pick<PlanSummary, "live">): { resources: DriftedResource[] } | { unread: string } | undefined {
  const live = summary.live;
  if (!live) return undefined;
  if (!live.ok) return { unread: live.reason };
  return { resources: live.changes.map((c) => ({ address: c.address, action: c.action, cause: "outside" as const, attributes: [] })) };
}

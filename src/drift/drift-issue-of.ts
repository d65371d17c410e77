import type { ShownPlan } from "../model/drift-issue.js";
import type { RepoRef } from "../model/repo.js";
import { repoFullName } from "../model/repo.js";
import { inlineCode } from "../render/inline.js";
import type { Store } from "../store/store.js";
import type { VcsClient } from "../vcs/vcs-client.js";

export type DriftIssueOf = { ok: true; project: string; shown?: ShownPlan } | { ok: false; reason: string };

// Not "Sluice did not open it": `/apply` reaches this on any issue the app opened (a scheduled destroy's report too).
export const NOT_A_DRIFT_ISSUE =
  "this is not a drift issue of Sluice's (Sluice did not open it for a drifted project), so there is no plan to apply here";

/**
 * What `/apply` on an issue may act on: the project and the plan the issue shows, as the store
 * recorded them when Sluice opened the issue and updated it. Nothing is read from the issue's text
 * (its author can write anything there); GitHub is asked only whether the issue is still open.
 */
export async function driftIssueOf(store: Pick<Store, "driftIssue">, vcs: VcsClient, repo: RepoRef, number: number): Promise<DriftIssueOf> {
  const known = await store.driftIssue(repoFullName(repo), number);
  if (!known) return { ok: false, reason: NOT_A_DRIFT_ISSUE };
  if (!known.open || (await vcs.issue(repo, number)).state !== "open") {
    return {
      ok: false,
      reason: `this drift issue of ${inlineCode(known.project)} is closed, so there is no plan to apply here. Comment \`/drift -p ${known.project}\` to check again`,
    };
  }
  return { ok: true, project: known.project, ...(known.plan ? { shown: known.plan } : {}) };
}

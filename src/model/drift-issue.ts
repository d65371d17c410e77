/** The plan a drift issue shows: what `/apply` on the issue may run, and nothing else. */
export interface ShownPlan {
  id: number;
  /** sha256 of the plan file. */
  hash: string;
  /** The default branch head the plan was made at. */
  headSha: string;
}

/**
 * A drift issue Sluice opened (or adopted once from an earlier version), as the store keeps it.
 * Everything Sluice decides about the issue comes from here, never from the issue's text, which
 * its author and anyone with write access can edit.
 */
export interface DriftIssue {
  repo: string;
  project: string;
  number: number;
  firstSeen: string;
  /** Comments Sluice created on this issue for its full plan, edited in place on each run. */
  commentIds: number[];
  /** Absent while the issue shows no plan that may be applied. */
  plan?: ShownPlan;
  open: boolean;
}

export type NewDriftIssue = Pick<DriftIssue, "repo" | "project" | "number" | "firstSeen">;

/** What a drift check changes on a known issue; `plan: null` clears the shown plan. */
export interface DriftIssuePatch {
  commentIds?: number[];
  plan?: ShownPlan | null;
  open?: boolean;
}

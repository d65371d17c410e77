/** The live state of a pull request, read at the moment a job needs it. */
export interface PullRequestInfo {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
  author: string;
  headSha: string;
  headRef: string;
  /** full_name of the repo the head branch lives in: differs from the base repo for forks. */
  headRepo: string;
  baseSha: string;
  baseRef: string;
  /** The repository's default branch: trusted settings come from it (or from a protected `trusted_branches` entry). */
  defaultBranch: string;
  htmlUrl: string;
  /** null while GitHub is still computing it. */
  mergeable: boolean | null;
  mergeableState: string;
  /** When it was closed or merged (GitHub's `closed_at`); none while open. */
  closedAt?: string;
}

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export interface Review {
  user: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
  commitId: string;
  submittedAt: string;
}

/** What branch protection's review rules say of a pull request (GitHub's GraphQL `reviewDecision`). */
export type ReviewDecision = "APPROVED" | "CHANGES_REQUESTED" | "REVIEW_REQUIRED";

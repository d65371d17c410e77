/** The live state of a pull request, read at the moment a job needs it. */
export interface PullRequestInfo {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
  author: string;
  /** The author's GitHub account id (server settings that name people compare it). */
  authorId?: number;
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
  /** The reviewer's GitHub account id (a login can be renamed; the id cannot). */
  userId?: number;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
  commitId: string;
  submittedAt: string;
}

/** What branch protection's review rules say of a pull request (GitHub's GraphQL `reviewDecision`). */
export type ReviewDecision = "APPROVED" | "CHANGES_REQUESTED" | "REVIEW_REQUIRED";

/**
 * One entry of GitHub's status check rollup on a commit: a check run (Checks API) or a commit
 * status (the older Status API, which many CI systems post).
 */
export interface StatusCheck {
  kind: "check" | "status";
  /** A check run's name, a status's context. */
  name: string;
  /** passing: a status's success, a check run completed as success, neutral or skipped. */
  state: "passing" | "pending" | "failing";
  /** GitHub's word for it (conclusion, status or state, lower case), for the message. */
  said: string;
  /** Branch protection requires it of this pull request; undefined when GitHub did not say. */
  required?: boolean;
  /** A check run of this app: Sluice's own. A status, or another app's run of the same name, never is. */
  own: boolean;
  /** A check run's app (its database id), read where GitHub does not say which checks are required. */
  appId?: number;
}

/** A check a branch's rules require, and the app it must come from when they name one (its expected source). */
export interface RequiredCheck {
  name: string;
  appId?: number;
}

/** The most checks Sluice reads of a commit's rollup (ten pages of 100): past it, a blocked PR is refused. */
export const ROLLUP_MAX = 1000;

/** What can hold a pull request GitHub shows `blocked`: read only then, in one GraphQL query. */
export interface MergeBlockers {
  reviewDecision: ReviewDecision | null;
  /** The commit the checks are of: the PR's head when read. */
  headSha: string;
  checks: StatusCheck[];
  /** GitHub lists more checks on the commit than Sluice read (ROLLUP_MAX). */
  more: boolean;
  /**
   * The checks the base branch's rules require (classic protection and rulesets), as GitHub shows
   * them without administration permission: a required check not in `checks` has not reported.
   */
  required?: readonly string[];
  /** Of those, the ones the rules expect from one app: its database id, by name. */
  requiredApps?: Readonly<Record<string, number>>;
}

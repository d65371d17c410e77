import type { RepoRef } from "../store/store.js";

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
  htmlUrl: string;
  /** null while GitHub is still computing it. */
  mergeable: boolean | null;
  mergeableState: string;
}

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export interface Review {
  user: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
  commitId: string;
  submittedAt: string;
}

export interface CheckRunInfo {
  name: string;
  status: string;
  conclusion: string | null;
}

export type CheckStatus = "queued" | "in_progress" | "completed";
export type CheckConclusion = "success" | "failure" | "neutral" | "cancelled" | "action_required";

export interface CheckUpdate {
  status: CheckStatus;
  conclusion?: CheckConclusion;
  title: string;
  summary: string;
}

/** A GitHub API failure, as domain code sees it. */
export class VcsError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "VcsError";
  }
}

/**
 * The VCS port: domain verbs only. The GitHub adapter (src/vcs/github/) is the only code that
 * knows about Octokit.
 */
export interface VcsClient {
  pullRequest(repo: RepoRef, number: number): Promise<PullRequestInfo>;
  createComment(repo: RepoRef, pr: number, body: string): Promise<number>;
  updateComment(repo: RepoRef, commentId: number, body: string): Promise<void>;
  react(repo: RepoRef, commentId: number, reaction: "eyes" | "+1" | "-1" | "confused"): Promise<void>;
  /** `externalId` identifies the run: a retry after a lost answer finds the run instead of making a second. */
  createCheck(repo: RepoRef, name: string, headSha: string, update: CheckUpdate, externalId?: string): Promise<number>;
  updateCheck(repo: RepoRef, checkRunId: number, update: CheckUpdate): Promise<void>;
  permissionOf(repo: RepoRef, user: string): Promise<Permission>;
  reviews(repo: RepoRef, pr: number): Promise<Review[]>;
  checkRuns(repo: RepoRef, sha: string): Promise<CheckRunInfo[]>;
  merge(repo: RepoRef, pr: number, method: "merge" | "squash" | "rebase"): Promise<void>;
  /** A short-lived installation token for git over HTTPS. */
  cloneToken(): Promise<string>;
}

import type { Permission, PullRequestInfo, Review } from "../model/pull-request.js";
import type { RepoRef } from "../model/repo.js";

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
  /** Buttons on the check run (GitHub's `requested_action`); `[]` removes earlier ones. */
  actions?: CheckAction[];
}

/** GitHub limits: label 20, identifier 20, description 40 characters; at most 3 actions. */
export interface CheckAction {
  label: string;
  identifier: string;
  description: string;
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
  /** An active member of the team `org/teamSlug`, directly or through a child team (GitHub counts both). */
  teamMember(org: string, teamSlug: string, user: string): Promise<boolean>;
  /** Open pull requests whose head is this commit (for events that name a commit, not a PR). */
  pullRequestsOfCommit(repo: RepoRef, sha: string): Promise<number[]>;
  /** A short-lived installation token for git over HTTPS. */
  cloneToken(): Promise<string>;
}

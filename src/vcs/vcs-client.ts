import type { MergeBlockers, Permission, PullRequestInfo, RequiredCheck, Review } from "../model/pull-request.js";
import type { BranchPushes } from "../model/head-push.js";
import type { RepoRef } from "../model/repo.js";

export interface CheckRunInfo {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  /** What the app that made it named it by (Sluice: `sluice-job-N`). */
  externalId: string | null;
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

/** An issue (not a pull request), as pull mode sees it. */
export interface IssueInfo {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: string[];
  htmlUrl: string;
  /** Who opened the issue (its login; "" when GitHub names nobody). */
  author: string;
  /** Opened by this app's own Bot account: only the adapter knows which account that is. */
  byApp: boolean;
}

export type DeploymentState = "in_progress" | "success" | "failure" | "error" | "inactive";

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
  /**
   * `mayExist`: another process may have created this comment (same marker line) without knowing
   * its id: look for it first instead of posting it twice.
   */
  createComment(repo: RepoRef, pr: number, body: string, opts?: { mayExist?: boolean }): Promise<number>;
  /** Returns GitHub's `updated_at` of the edited comment (its clock, as comments' `created_at`), when its answer has one. */
  updateComment(repo: RepoRef, commentId: number, body: string): Promise<{ updatedAt?: string }>;
  /** A comment as GitHub has it now (`body` when GitHub sends one); undefined once it is deleted. */
  comment(repo: RepoRef, commentId: number): Promise<{ body?: string } | undefined>;
  /** Sluice's own comment on this PR or issue whose first line is `firstLine` (a marker), with its text. */
  ownComment(repo: RepoRef, pr: number, firstLine: string): Promise<{ id: number; body: string } | undefined>;
  /** Sluice's own comments on a PR (by this app), oldest first. */
  ownComments(repo: RepoRef, pr: number): Promise<{ id: number; body: string }[]>;
  react(repo: RepoRef, commentId: number, reaction: "eyes" | "+1" | "-1" | "confused"): Promise<void>;
  /** `externalId` identifies the run: a retry after a lost answer finds the run instead of making a second. */
  createCheck(repo: RepoRef, name: string, headSha: string, update: CheckUpdate, externalId?: string): Promise<number>;
  updateCheck(repo: RepoRef, checkRunId: number, update: CheckUpdate): Promise<void>;
  /** Marks a completed check run completed again at `completedAt` (same conclusion), leaving its output and buttons. */
  touchCheck(repo: RepoRef, checkRunId: number, conclusion: string, completedAt: string): Promise<void>;
  permissionOf(repo: RepoRef, user: string): Promise<Permission>;
  reviews(repo: RepoRef, pr: number): Promise<Review[]>;
  /**
   * What can hold a PR GitHub shows `blocked`: its review decision (null when the base branch's
   * rules require no review) and its head commit's check runs and commit statuses, each with
   * whether branch protection requires it.
   */
  mergeBlockers(repo: RepoRef, pr: number): Promise<MergeBlockers>;
  /** The status checks a branch's classic protection and rulesets require; none for a branch that does not exist. */
  requiredChecks(repo: RepoRef, branch: string): Promise<RequiredCheck[]>;
  checkRuns(repo: RepoRef, sha: string): Promise<CheckRunInfo[]>;
  /** Merges the PR only while its head is still `headSha` (GitHub answers 409 otherwise). */
  merge(repo: RepoRef, pr: number, method: "merge" | "squash" | "rebase", headSha: string): Promise<void>;
  /** The repository's default branch and its head commit, read now. */
  defaultBranch(repo: RepoRef): Promise<{ name: string; sha: string }>;
  /**
   * The PR's commits (since the merge base of its base and head), however many, that GitHub does
   * not show as verified (signed with a key it trusts). Fails when GitHub lists fewer than it counts.
   */
  unverifiedCommits(repo: RepoRef, pr: Pick<PullRequestInfo, "baseSha" | "headSha">): Promise<string[]>;
  /** Whether GitHub shows this commit as verified. */
  commitVerified(repo: RepoRef, sha: string): Promise<boolean>;
  /** The GitHub logins of a commit's author and committer, those GitHub matched to an account. */
  commitUsers(repo: RepoRef, sha: string): Promise<string[]>;
  /**
   * Who moved `branch` to `sha` and when (the latest such move), as GitHub's repository activity
   * lists it; undefined when it lists no such move with a known pusher, or has no activity to read.
   */
  branchPushesOf(repo: RepoRef, branch: string, sha: string): Promise<BranchPushes | undefined>;
  /** Whether GitHub shows the branch as protected; false for a branch that does not exist. */
  branchProtected(repo: RepoRef, branch: string): Promise<boolean>;
  /** Open issues (never pull requests) that carry `label`. */
  openIssues(repo: RepoRef, label: string): Promise<IssueInfo[]>;
  issue(repo: RepoRef, number: number): Promise<IssueInfo>;
  /** A retry after a lost answer finds the issue it created (same title and label) instead of opening a second. */
  createIssue(repo: RepoRef, issue: { title: string; body: string; labels: string[] }): Promise<IssueInfo>;
  /**
   * Edits an issue. Returns GitHub's `updated_at` of the edited issue (its clock, the one comments'
   * `created_at` is on), when the answer carries one.
   */
  updateIssue(
    repo: RepoRef,
    number: number,
    patch: { title?: string; body?: string; state?: "open" | "closed" },
  ): Promise<{ updatedAt?: string }>;
  /** A GitHub Deployment of `sha` to `environment` (the project name); returns its id. */
  createDeployment(repo: RepoRef, d: { sha: string; environment: string; description: string; transient?: boolean }): Promise<number>;
  /** `environmentUrl`: where the deployed environment answers (a preview's URL). */
  setDeploymentStatus(
    repo: RepoRef,
    deploymentId: number,
    state: DeploymentState,
    description: string,
    opts?: { environmentUrl?: string },
  ): Promise<void>;
  /** An active member of the team `org/teamSlug`, directly or through a child team (GitHub counts both). */
  teamMember(org: string, teamSlug: string, user: string): Promise<boolean>;
  /** The id of the account that has this login now (`GET /users/{username}`); undefined when none has it. */
  userId(login: string): Promise<number | undefined>;
  /** Open pull requests whose head is this commit (for events that name a commit, not a PR). */
  pullRequestsOfCommit(repo: RepoRef, sha: string): Promise<number[]>;
  /** A short-lived installation token for git over HTTPS. */
  cloneToken(): Promise<string>;
}

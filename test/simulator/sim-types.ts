// Plain data shared by the simulator's parts. The simulator keeps its own model and renders
// GitHub-shaped JSON from it on demand (see github-shapes.ts), so the model stays small.

export type Role = "admin" | "maintain" | "write" | "triage" | "read" | "none";
export type AccountType = "User" | "Bot" | "Organization";

export interface SimUser {
  login: string;
  id: number;
  type: AccountType;
}

export interface SimRepo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  cloneUrl: string;
  htmlUrl: string;
  defaultBranch: string;
  /** Bare repository on disk. */
  dir: string;
  createdAt: string;
  /** Branches with a protection rule (`protected: true` on GET /branches/{branch}). */
  protectedBranches?: Set<string>;
  /** Approving reviews a protected branch's rule requires of a PR into it (`required_approving_review_count`). */
  requiredReviews?: Map<string, number>;
  /** Status checks (check run names or status contexts) a protected branch's rule requires to pass before merging. */
  requiredChecks?: Map<string, string[]>;
  /** The same, required by a ruleset on the branch (`required_status_checks` rule) instead of classic protection. */
  rulesetChecks?: Map<string, string[]>;
  /** Per branch, required checks that only one app may satisfy (GitHub's "expected source"): check name -> app slug. */
  requiredCheckApps?: Map<string, Record<string, string>>;
  /** Commits GitHub shows as signed and verified; every other commit is unsigned, as a plain `git commit` is. */
  verifiedCommits?: Set<string>;
  /**
   * Commits whose author and committer emails GitHub matched to an account (`author`/`committer`
   * of GET /commits/{ref}); every other commit shows null there, as an unknown email does.
   */
  commitUsers?: Map<string, { author?: string; committer?: string }>;
  /**
   * What moved its branches, newest last (`GET /repos/{o}/{r}/activity`). `actor` undefined: a
   * `pushBranch` that named no pusher, taken by the author of the PR later opened from that branch.
   */
  activities?: ActivityState[];
}

/** One entry of a repository's activity, as GitHub lists it. */
export interface ActivityState {
  id: number;
  before: string;
  after: string;
  /** `refs/heads/<branch>`. */
  ref: string;
  timestamp: string;
  activityType: "push" | "force_push" | "branch_creation";
  actor?: string;
}

export interface PullState {
  id: number;
  number: number;
  repo: SimRepo;
  title: string;
  body: string | null;
  author: string;
  headRef: string;
  headSha: string;
  /** owner/name of the repository the head branch lives in when it is a fork; unset = the PR's own repo. */
  headRepoFullName?: string;
  baseRef: string;
  /** Frozen once the PR is closed; while open the base branch tip is read live, as GitHub does. */
  baseSha: string;
  state: "open" | "closed";
  draft: boolean;
  merged: boolean;
  mergeCommitSha: string | null;
  mergedAt: string | null;
  mergedBy: string | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CommentState {
  id: number;
  repo: SimRepo;
  issueNumber: number;
  user: string;
  body: string;
  history: string[];
  deleted: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ReviewState {
  id: number;
  repo: SimRepo;
  pullNumber: number;
  user: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  body: string;
  commitId: string;
  submittedAt: string;
}

export type CheckStatus = "queued" | "in_progress" | "completed";
export type CheckConclusion = "action_required" | "cancelled" | "failure" | "neutral" | "success" | "skipped" | "stale" | "timed_out";

export interface CheckRunState {
  id: number;
  repo: SimRepo;
  name: string;
  head_sha: string;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  external_id: string | null;
  details_url: string | null;
  started_at: string | null;
  completed_at: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  history: { status: CheckStatus; conclusion: CheckConclusion | null }[];
  /** Buttons the app offered (`actions`); GitHub shows them and sends `requested_action` on a click. */
  actions: { label: string; identifier: string; description: string }[];
  /** The branch of the check suite: GitHub lists open PRs of that branch in check events. */
  head_branch: string | null;
  /** The slug of the app that made it when another than this one (a CI system's, GitHub Actions'). */
  app?: string;
}

export type CommitStatusName = "error" | "failure" | "pending" | "success";

/** A commit status (the Status API): the latest per context counts. */
export interface CommitStatusState {
  id: number;
  repo: SimRepo;
  sha: string;
  context: string;
  state: CommitStatusName;
  description: string | null;
  target_url: string | null;
  creator: string;
  createdAt: string;
}

export interface TeamState {
  org: string;
  slug: string;
  /** `org/slug` of the parent team: members of this team count as members of the parent too. */
  parent?: string;
  members: Map<string, "active" | "pending">;
}

export interface ReactionState {
  id: number;
  commentId: number;
  user: string;
  content: string;
  createdAt: string;
}

export interface TokenState {
  token: string;
  installationId: number;
  expiresAt: number;
}

export interface DeliveryResult {
  /** HTTP status of the app's answer; 0 when nothing answered (no target set, connection refused, timeout). */
  status: number;
  body: string;
  deliveryId: string;
  ms: number;
}

export interface DeliveryRecord extends DeliveryResult {
  /** This attempt's own id, as `GET /app/hook/deliveries` lists it (the GUID is `deliveryId`). */
  id: number;
  /** Made by a redelivery (the Redeliver button, or `POST /app/hook/deliveries/{id}/attempts`). */
  redelivery: boolean;
  installationId: number | null;
  repositoryId: number | null;
  event: string;
  action: string | null;
  at: number;
  /** The app base URL it was sent to (see `setWebhookTargets`). */
  target: string | null;
}

export interface CallRecord {
  method: string;
  /** Path without the `/api/v3` prefix and without the query string. */
  path: string;
  /** The request URL exactly as received. */
  url: string;
  kind: "rest" | "git";
  status: number;
  at: number;
  /** Parsed JSON body of REST writes, for assertions. */
  body?: unknown;
}

export interface GitAccessRecord {
  repo: string;
  token: string;
  service: "git-upload-pack" | "git-receive-pack";
}

export interface RejectedComment {
  repo: string;
  issueNumber: number;
  commentId: number | null;
  length: number;
  at: number;
}

export interface FailRule {
  /** Any method when omitted. */
  method?: string;
  /** Tested against both the recorded path (no `/api/v3`, no query) and the raw URL. */
  pathPattern: RegExp;
  /** Answer with this status; when omitted (and delayMs is set) the call proceeds normally after the delay. */
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many matching calls to affect (default 1). */
  times?: number;
  /** Hold the answer this long first. */
  delayMs?: number;
  /**
   * Serve the request for real (the write lands), then drop the connection without answering:
   * what a client sees when GitHub did the work but the answer was lost or timed out. REST only.
   */
  loseAnswer?: boolean;
  /**
   * Hold the request until this promise settles, then go on as the rest of the rule says (or serve
   * it normally): a deterministic "GitHub is slow right now" for races. `onHeld` is called when the
   * request arrives, so a test waits for that instead of sleeping.
   */
  holdUntil?: Promise<unknown>;
  onHeld?: () => void;
}

/** One write to a comment, in the order the simulator served them (app and test writes alike). */
export interface CommentEvent {
  seq: number;
  action: "created" | "edited";
  commentId: number;
  repo: string;
  issueNumber: number;
  user: string;
  body: string;
}

/** Object ids a client asked for in one git fetch (`want` lines of an upload-pack request). */
export interface GitWantRecord {
  repo: string;
  wants: string[];
}

/** A plain issue (pull requests live in PullState; both share one number sequence). */
export interface IssueState {
  id: number;
  number: number;
  repo: SimRepo;
  title: string;
  body: string;
  author: string;
  state: "open" | "closed";
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Every body the issue had, oldest first. */
  history: string[];
}

export interface DeploymentSimState {
  id: number;
  repo: SimRepo;
  sha: string;
  ref: string;
  environment: string;
  /** `transient_environment`: the environment goes away (a pull request's preview). */
  transient: boolean;
  description: string | null;
  creator: string;
  createdAt: string;
  statuses: { id: number; state: string; description: string; environmentUrl: string; createdAt: string }[];
}

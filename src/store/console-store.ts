import type { AuditAction } from "../model/audit-action.js";
import type { ReconciledKind } from "../model/reconciled.js";
import type { OpenConsoleSession, SsoSessionFacts } from "../model/sso-session.js";
import type { JobStatus, JobTarget } from "../model/job.js";
import type { ApplyRecord, LockRecord, StoredSummary } from "./store.js";

/** One piece of a job's live output, as stored: already redacted by the runner's live redactor. */
export interface JobLogChunk {
  seq: number;
  project: string;
  text: string;
}

/** The output of one project in one job. */
export interface LogStream {
  jobId: number;
  repo: string;
  pr: number;
  kind: "plan" | "apply";
  project: string;
  bytes: number;
  truncated: boolean;
  startedAt: string;
  updatedAt: string;
}

export type NewLogChunk = Pick<LogStream, "jobId" | "repo" | "pr" | "kind" | "project"> & { text: string };

/** The last plan of a project, from its log stream, its job and the plan it saved (if any). */
export interface PlanRun {
  jobId: number;
  pr: number;
  jobStatus: JobStatus;
  /** A plan record saved by this run: the plan succeeded. */
  planStatus?: "pending" | "applied" | "superseded";
  summary?: StoredSummary;
  headSha?: string;
  at: string;
}

/** An apply as the console shows it: the record, who asked, and the commit of the plan it ran. */
export interface ApplyView extends ApplyRecord {
  actor: string;
  headSha?: string;
}

export interface ProjectActivity {
  repo: string;
  project: string;
  lastPlan?: PlanRun;
  lastApply?: ApplyView;
  /** The last successful apply: what runs now, as far as Sluice applied it. */
  live?: ApplyView;
}

export interface LockView extends LockRecord {
  /** PRs waiting for this lock, oldest number first. */
  waiting: number[];
}

export interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  /** One of AUDIT_ACTIONS (src/model/audit-action.ts); applies come from the apply records. */
  action: string;
  repo?: string;
  project?: string;
  pr?: number;
  detail: string;
}

export interface AuditFilter {
  repo?: string;
  action?: string;
  actor?: string;
  limit?: number;
  /** Only events older than this one (the next page, newest first). */
  beforeId?: number;
}

export interface PauseState {
  by: string;
  reason: string;
  at: string;
}

/** A signed-in console session as the store keeps it: the key is a digest of the id the cookie holds. */
export interface ConsoleSessionRecord {
  key: string;
  login: string;
  /** ISO time after which the session is over, signed out or not. */
  expiresAt: string;
  /** A session an OpenID provider signed in: what it named, and the tokens to ask it again. */
  sso?: SsoSessionFacts;
}

/**
 * What the console reads and writes: job logs (so any replica serves them and they survive
 * restarts), a view of every project, the audit trail, the global "pause applies" flag and the
 * signed-in sessions (so a sign-out ends a session on every replica).
 */
export interface ConsoleStore {
  /**
   * Appends output to a job's log, keeping the job's total under `maxBytes`: the part that does not
   * fit is dropped and a single notice says so. Returns false once the job's log is full.
   */
  appendJobLog(chunk: NewLogChunk, maxBytes: number): Promise<boolean>;
  /** Chunks of a job's log after `afterSeq`, in order (at most `limit`). */
  readJobLog(jobId: number, afterSeq: number, limit?: number): Promise<JobLogChunk[]>;
  jobLogStreams(jobId: number): Promise<LogStream[]>;
  /** Deletes the logs of jobs whose output last changed before `before` (ISO time); returns how many streams. */
  pruneJobLogs(before: string): Promise<number>;

  projectActivity(): Promise<ProjectActivity[]>;
  /** Every repository (owner/name) Sluice ran a job for: what a role given by repository globs can cover. */
  knownRepos(): Promise<string[]>;
  allLocks(): Promise<LockView[]>;
  /**
   * The target of the latest job of a PR, to enqueue work for it (e.g. an unlock from the console);
   * without `pr`, of the repository's latest job of any kind (a drift check, say), for work on its
   * default branch.
   */
  lastJobTarget(repo: string, pr?: number): Promise<JobTarget | undefined>;
  /** Applies, newest first; with `beforeId`, those older than that apply (the next page). */
  applyHistory(filter: { repo?: string; limit?: number; beforeId?: number }): Promise<ApplyView[]>;

  /** Events read back may hold actions of older releases; a new one is always one of AUDIT_ACTIONS. */
  recordAudit(event: Omit<AuditEvent, "id" | "at" | "action"> & { action: AuditAction }): Promise<number>;
  auditEvents(filter: AuditFilter): Promise<AuditEvent[]>;

  appliesPaused(): Promise<PauseState | undefined>;
  /** Sets (or, with undefined, clears) the global pause of applies. */
  setAppliesPaused(pause: Omit<PauseState, "at"> | undefined): Promise<void>;
  /**
   * Lifts the global pause only if it was set before `pausedBefore` (ISO, Sluice's clock), or at
   * that instant too with `orAt` (the pause a page showed, by its `at`), in one statement: a pause
   * set since (another replica's, a newer command's) is never the one lifted. Returns the pause it
   * lifted, if any, and the pause on afterwards, if any (one set since by another replica, possibly
   * right after the lift: the lift happened all the same).
   */
  resumeApplies(pausedBefore: string, orAt?: boolean): Promise<{ lifted?: PauseState; still?: PauseState }>;

  /** Records a session at sign-in (and forgets the expired ones). */
  openConsoleSession(session: ConsoleSessionRecord): Promise<void>;
  /** A session that is open and not expired, else undefined: asked on every console request. */
  consoleSession(key: string): Promise<OpenConsoleSession | undefined>;
  /**
   * Ends a session (sign-out): every replica refuses its cookie from then on. Returns what an SSO
   * session held (its provider, subject and sealed tokens, to revoke them there), expired or not;
   * undefined when there was no such session.
   */
  endConsoleSession(
    key: string,
  ): Promise<{ sso?: Pick<SsoSessionFacts, "provider" | "sealedTokens" | "sid"> & Partial<Pick<SsoSessionFacts, "subject">> } | undefined>;
  /**
   * Whether the user `subject` of `provider` has a console session open (not expired), on any
   * replica, that may be of the provider's session `sid`: one that named that `sid`, or none (it
   * cannot be told apart). Without `sid`, any session of theirs.
   */
  hasSsoSession(provider: string, subject: string, sid?: string): Promise<boolean>;
  /**
   * Notes on the user's open sessions with `provider` that Sluice revoked, at `at` (ISO, the
   * console's clock), the token of another session of theirs (see SsoSessionFacts.otherRevokedAt).
   */
  markOtherSsoRevoked(provider: string, subject: string, at: string): Promise<void>;
  /**
   * Takes the check of an SSO session whose last check was `checkedAt`, until `until` (ISO), when
   * no one holds it at `at`: false when another request or replica is checking it, or checked it
   * since. One check at a time: a refresh token used twice revokes the grant at many providers.
   */
  claimSsoCheck(key: string, checkedAt: string, at: string, until: string): Promise<boolean>;
  /** Lets go of a claim whose check found the provider unreachable: the next request asks again. */
  releaseSsoCheck(key: string): Promise<void>;
  /** Records a check's answer: the groups, when, and the provider's new tokens if it gave any (releases the claim). */
  recordSsoCheck(key: string, check: Pick<SsoSessionFacts, "groups" | "checkedAt" | "sealedTokens">): Promise<void>;
  /**
   * Ends the sessions a provider's back-channel logout names: by its session id (`sid`), by its
   * subject, or both (sessions matching both). Returns how many ended.
   */
  endSsoSessions(provider: string, by: { subject?: string; sid?: string }): Promise<number>;
  /**
   * A back-channel logout, in one transaction: remembers the logout token of `provider` by its
   * `jti` until `until` (ISO), when it would be refused anyway, and ends the sessions it names (as
   * endSsoSessions). How many ended; undefined for a token taken before (a replay), on any
   * replica, which ends nothing. A failure keeps neither, so the provider's retry of the same
   * token is taken. Forgets the tokens past their time.
   */
  logOutOnce(provider: string, token: { jti: string; until: string }, by: { subject?: string; sid?: string }): Promise<number | undefined>;

  /** For metrics: jobs waiting and running, project locks held, healing acts of the reconcile by kind. */
  stats(): Promise<StoreStats>;
}

export interface StoreStats {
  queuedJobs: number;
  runningJobs: number;
  locks: number;
  reconciled: Record<ReconciledKind, number>;
}

import type { Job, JobSpec, JobStatus, JobTarget } from "../model/job.js";
import type { DriftCheck, DriftPause, DriftSchedule } from "../model/drift.js";
import type { AuditOutboxStore } from "./audit-outbox-store.js";
import type { DriftIssue, DriftIssuePatch, NewDriftIssue } from "../model/drift-issue.js";
import type { ConsoleStore } from "./console-store.js";
import type { PersonPinStore } from "../model/person.js";
import type { PolicyStore } from "./policy-store.js";
import type { PreviewStore } from "./preview-store.js";
import type { ResultStore } from "./result-store.js";
import type { ScheduledDestroyAttemptStore } from "./scheduled-destroy-attempts.js";
import type { HealRefusalStore } from "./heal-refusals.js";
import type { SigningKeyStore } from "./signing-key-store.js";
import type { ApiTokenStore } from "./api-token-store.js";
import type { StateHoldStore } from "../model/state-hold.js";
import type { HeadPushStore } from "../model/head-push.js";
import type { RepoMoveStore } from "../model/repo-move.js";
import type { TrustedStateCount } from "../model/state-count.js";
import type { ApplyRecord, LiveApply, LockRecord, NewLiveApply, NewPlan, PlanFile, PlanRecord, ProjectKey } from "./store-records.js";

export type {
  ApplyRecord,
  LiveApply,
  LockRecord,
  NewLiveApply,
  NewPlan,
  PlanFile,
  PlanRecord,
  ProjectKey,
  StoredSummary,
} from "./store-records.js";
export { keyMatches, MAX_STORED_PLAN_BYTES, scopesConflict } from "./store-records.js";

export interface JobPatch {
  status?: JobStatus;
  /** The pull request found for a check event that named none (GitHub omits fork PRs there). */
  pr?: number;
  commentIds?: number[];
  checkRunId?: number;
  error?: string;
}

/**
 * The store adapter. Every method is atomic on its own; ingress relies on `recordDelivery`
 * inserting the delivery id and the job in one transaction so a delivery is acted on once,
 * also across restarts.
 */
export interface Store
  extends ConsoleStore,
    PolicyStore,
    ResultStore,
    AuditOutboxStore,
    SigningKeyStore,
    ApiTokenStore,
    StateHoldStore,
    HeadPushStore,
    RepoMoveStore,
    PreviewStore,
    ScheduledDestroyAttemptStore,
    HealRefusalStore,
    PersonPinStore {
  /**
   * Records the delivery; enqueues the job unless the delivery id, or one of `alsoKeys` (e.g. the
   * comment a command came from), was seen before. All keys are recorded in one transaction.
   */
  recordDelivery(
    deliveryId: string,
    event: string,
    job: { target: JobTarget; spec: JobSpec } | undefined,
    alsoKeys?: string[],
  ): Promise<{ duplicate: boolean; jobId?: number }>;
  /**
   * Atomically moves a queued job to running and returns it: the oldest of those whose PR, then
   * whose repo, has the fewest jobs running, so one busy PR or repo cannot starve the others.
   */
  claimNextJob(): Promise<Job | undefined>;
  /** Queued and running jobs of one PR (repo as `owner/name`), oldest first. */
  activeJobsOf(repo: string, pr: number): Promise<Job[]>;
  /** The newest job queued for this PR's close (its `closed` event), whatever became of it; undefined when none was. */
  closeJobOf(repo: string, pr: number): Promise<Job | undefined>;
  /** Whether a job of this PR was ever queued for `headSha` (an event that named it, or a heal of it). */
  heardOfHead(repo: string, pr: number, headSha: string): Promise<boolean>;
  getJob(id: number): Promise<Job | undefined>;
  updateJob(id: number, patch: JobPatch): Promise<void>;
  /** Jobs left running by a previous process (crash or kill): the caller decides their fate. */
  runningJobs(): Promise<Job[]>;
  requeueJob(id: number): Promise<void>;
  /** Enqueues a job Sluice decided on by itself (e.g. re-plan after a lock release). */
  enqueueInternal(target: JobTarget, spec: JobSpec): Promise<number>;
  /**
   * Enqueues a job Sluice decided on by itself unless one was ever enqueued under `key` (e.g. the
   * enrolment of a repo, once per repo and hour, across replicas and restarts); undefined then.
   */
  enqueueInternalOnce(key: string, target: JobTarget, spec: JobSpec): Promise<number | undefined>;

  /**
   * Saves a plan with its file, and supersedes any earlier pending plan for the same PR + dir +
   * workspace + project, in one transaction.
   */
  savePlan(plan: NewPlan, file: PlanFile): Promise<PlanRecord>;
  /** Plan records only: the files stay out of listings. */
  pendingPlans(repo: string, pr: number): Promise<PlanRecord[]>;
  /**
   * The file of a pending plan; undefined once the plan is applied or superseded (its file is
   * deleted then), and for plans saved before the store kept files.
   */
  planFile(planId: number): Promise<PlanFile | undefined>;
  /**
   * Every plan of one project in a PR made for `headSha` (pending, applied or superseded), oldest
   * first: the gate follows re-plans that changed nothing back to the plan an approval saw.
   * `headSha` undefined: of every commit (a drift issue's checks, each at the default branch's tip then).
   */
  planHistory(repo: string, pr: number, key: Required<ProjectKey>, headSha: string | undefined): Promise<PlanRecord[]>;
  /** Supersedes pending plans of a PR (all of them, or those matching the given keys) and deletes their files. */
  supersedePlans(repo: string, pr: number, keys?: ProjectKey[]): Promise<number>;
  /** Marks a plan used (applied or failed: never applied twice) and deletes its file. */
  markPlanApplied(planId: number): Promise<void>;
  /** Records when a drift check's plan was shown on its issue (`shownAt`); the first showing stays. */
  markPlanShown(planId: number, at: string): Promise<void>;

  /**
   * Takes the project lock for `pr`, or returns who holds a conflicting one (another PR's lock on
   * the same dir + workspace whose scope conflicts, see `scopesConflict`). Taking it again for the
   * same PR is a no-op. When refused, `pr` is remembered as waiting, with the job target to re-plan it.
   */
  takeLock(lock: Omit<LockRecord, "createdAt">, waiter: JobTarget): Promise<{ ok: true } | { ok: false; heldBy: LockRecord }>;
  locksOf(repo: string, pr: number): Promise<LockRecord[]>;
  /**
   * Releases locks of a PR (all, or those matching the given keys by dir, workspace and project)
   * and returns the released locks and the PRs waiting on a scope that conflicts with one of them.
   */
  releaseLocks(repo: string, pr: number, keys?: ProjectKey[]): Promise<{ released: LockRecord[]; waiters: JobTarget[] }>;
  /** Each pull request that holds a lock, as its newest job names it (its installation and clone URL). */
  lockHolders(): Promise<JobTarget[]>;

  /** Marks one operation (e.g. "apply") as running for a PR; false when one already is. */
  beginPrOperation(repo: string, pr: number, op: string, jobId: number): Promise<{ ok: true } | { ok: false; jobId: number }>;
  /** Ends `op` of a PR if job `jobId` holds it (never another job's). */
  endPrOperation(repo: string, pr: number, op: string, jobId: number): Promise<void>;
  /** Clears operations left by jobs that are no longer running. */
  clearPrOperationsOf(jobId: number): Promise<void>;

  /**
   * Runs `fn` while holding the run lock of `key` (repo + dir + workspace): at most one plan or
   * apply per project at a time, across every process sharing this store.
   */
  runExclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;

  /** Recorded before the tool is spawned, so a crash leaves a trace. */
  recordApplyStart(a: Omit<ApplyRecord, "id" | "status" | "startedAt" | "finishedAt">): Promise<number>;
  /** `refused`: it ended before its tool started (its credentials could not be made). */
  recordApplyEnd(id: number, status: "succeeded" | "failed" | "refused"): Promise<void>;
  /**
   * Marks applies left "started" by a dead process as interrupted, and their rows of the live
   * record too, and returns both: each to one caller only (its Deployment is completed once).
   */
  interruptStartedApplies(): Promise<{ applies: ApplyRecord[]; live: LiveApply[] }>;
  /**
   * A job's applies marked interrupted, whichever process marked them (the one that adopts the
   * job at recovery may not be the one whose `interruptStartedApplies` returned them), and those
   * still marked started: ask only for a job adopted from a dead owner (runningJobs).
   */
  interruptedAppliesOf(jobId: number): Promise<ApplyRecord[]>;
  /**
   * A pull request's applies that may have left the state unlike what the backend says: marked
   * interrupted (or still started while its job no longer runs), or failed once a step of the apply started, and no later apply of the same project at the same
   * dir and workspace in this pull request succeeded (their locks are kept for a person: rule 8).
   */
  unsettledAppliesOfPr(repo: string, pr: number): Promise<ApplyRecord[]>;
  /**
   * Marks settled by `actor` (now) those of unsettledAppliesOfPr under the locks a `/unlock`
   * released (a whole-dir lock: every project at its dir and workspace; a named one: its project),
   * and returns them: the person checked that state, so its close keeps no locks for them again.
   * Only those that ended (or, still `started`, whose job last changed) before `endedBefore` (ISO, Sluice's clock):
   * a failure after the `/unlock` was asked is one its writer never saw.
   */
  settleAppliesOfPr(
    repo: string,
    pr: number,
    released: readonly Pick<LockRecord, "dir" | "workspace" | "scope">[],
    actor: string,
    endedBefore: string,
  ): Promise<ApplyRecord[]>;
  /**
   * Whether `pr` applied a plan of this dir + workspace that succeeded (applied, maybe not merged
   * yet); with `headSha`, a plan of that head commit (an apply of an earlier one left later
   * changes unapplied). `named`: the project's recorded name, where several base projects share
   * the dir and workspace (stateCountName): only its own applies.
   */
  appliedByPr(repo: string, pr: number, dir: string, workspace: string, headSha?: string, named?: string): Promise<boolean>;
  /**
   * The summaries of the plans `pr` applied at this dir + workspace, oldest first, those that
   * succeeded and those that failed or were interrupted (which may have done part of their plan):
   * what the pull request already did to the project, which its next teardown is measured with.
   * `named`: the project's recorded name, where several base projects share the dir and workspace
   * (stateCountName): only its own applies.
   */
  appliedSummariesOfPr(
    repo: string,
    pr: number,
    dir: string,
    workspace: string,
    named?: string,
  ): Promise<{ summary: PlanRecord["summary"]; succeeded: boolean }[]>;
  /**
   * Who holds the lock of a project, if anyone: the oldest at its dir + workspace, or with `scope`
   * (lockScope) the oldest whose scope conflicts with it (a sibling named project's lock is not its).
   */
  lockOn(repo: string, dir: string, workspace: string, scope?: string): Promise<LockRecord | undefined>;

  /** Records an apply in the live record before the tool starts. */
  recordLiveApplyStart(a: NewLiveApply): Promise<number>;
  /**
   * `stateAddresses`: what a succeeded apply's read-back found in the state, kept as the project's
   * trusted count (never more than the count before plus what the applies since added: see TrustedStateCount).
   * `named`: the apply's recorded name, where several base projects share its dir and workspace
   * (stateCountName): their counts are kept apart by it.
   */
  recordLiveApplyEnd(
    id: number,
    outcome: "succeeded" | "failed",
    deploymentId?: number,
    stateAddresses?: number,
    named?: string,
  ): Promise<void>;
  /**
   * The trusted counts of a project's state (repo, dir, workspace; and `named`, its recorded name,
   * where several base projects share them), or undefined when no apply read it back.
   */
  trustedStateCount(repo: string, dir: string, workspace: string, named?: string): Promise<TrustedStateCount | undefined>;
  /** The GitHub Deployment of a live apply, kept as soon as it exists: an apply a crash interrupts still completes it. */
  recordLiveApplyDeployment(id: number, deploymentId: number): Promise<void>;
  /** The live record of a repo (one project, or all), newest first. */
  liveApplies(repo: string, project?: string): Promise<LiveApply[]>;
  /** Repositories (`owner/name`) with a successful apply in the live record, by any road. */
  appliedRepos(): Promise<string[]>;

  /**
   * Replaces a repo's drift schedules with `schedules` (one per cron expression). A schedule whose
   * cron is unchanged keeps its stored next run, so a config reload neither skips nor repeats one.
   */
  syncDriftSchedules(repo: string, target: JobTarget, schedules: Omit<DriftSchedule, "repo">[]): Promise<void>;
  /** Schedules whose next run is at or before `now` (epoch ms). */
  dueDriftSchedules(now: number): Promise<DriftSchedule[]>;
  /** The earliest next run of any schedule (epoch ms), or undefined when there is none. */
  nextDriftDueAt(): Promise<number | undefined>;
  /**
   * Claims one due run: moves the schedule from `due` to `next` and enqueues `spec` for the
   * schedule's repo, in one transaction. Exactly one caller gets the job id, across replicas and
   * restarts; the others (and a repeat) get undefined. While the schedule's previous run is still
   * queued the claim moves the schedule on and queues nothing: `behind` names the run that will do it.
   */
  claimDriftRun(
    run: { repo: string; cron: string; due: number; next: number },
    spec: JobSpec,
  ): Promise<{ jobId: number } | { behind: number } | undefined>;
  /** Pauses (`pause` given) or resumes reconciliation of a project. */
  setDriftPause(repo: string, project: string, pause: { actor: string; reason: string } | undefined): Promise<void>;
  /**
   * Lifts a project's pause only if it was set before `pausedBefore` (ISO, Sluice's clock), in one
   * statement: a pause set since (a failed reconcile's, another's `/drift pause`) stays. Returns the
   * pause it lifted, if any, and the pause on under that name afterwards, if any (one may land
   * right after the lift: the lift happened all the same).
   */
  resumeDrift(repo: string, project: string, pausedBefore: string): Promise<{ lifted?: DriftPause; still?: DriftPause }>;
  /** Pauses of one repo, or (no repo) of every repo, for the console. */
  driftPauses(repo?: string): Promise<DriftPause[]>;
  /** Keeps `check` as the project's last drift check (replacing the one before). */
  recordDriftCheck(check: DriftCheck): Promise<void>;
  /** The last drift check of every project, by repo then project. */
  driftChecks(): Promise<DriftCheck[]>;
  /**
   * Records an issue Sluice opened (or adopted) for a project, open, showing no plan yet. It
   * becomes the project's only open drift issue: any other open one of the project is closed in
   * the same step. Recording a number again changes nothing.
   */
  recordDriftIssue(issue: NewDriftIssue): Promise<void>;
  /** A drift issue Sluice knows by its number (open or closed); undefined for any other issue. */
  driftIssue(repo: string, number: number): Promise<DriftIssue | undefined>;
  /** A repo's open drift issues, by project. */
  openDriftIssues(repo: string): Promise<DriftIssue[]>;
  /** Changes what the store keeps of a known drift issue (nothing for an unknown number). */
  updateDriftIssue(repo: string, number: number, patch: DriftIssuePatch): Promise<void>;

  /** Answers when the store can be reached (for /readyz). */
  ping(): Promise<{ ok: true } | { ok: false; reason: string }>;
  /**
   * Calls `notify` whenever any process sharing this store queues a job (PostgreSQL); absent for
   * the embedded store, whose only process hears of its jobs directly. Returns how to stop.
   */
  watchNewJobs?(notify: () => void): Promise<() => Promise<void>>;
  /**
   * Whether another replica died leaving work behind (PostgreSQL): a cheap question asked every
   * few seconds, so the recovery itself runs only when there is something to recover. Absent for
   * the embedded store, whose only process recovers once, at start.
   */
  anyOrphans?(): Promise<boolean>;
  close(): Promise<void>;
}

/** The drift issue part of the store (drift-issues.ts). */
export type DriftIssueMethodName = "recordDriftIssue" | "driftIssue" | "openDriftIssues" | "updateDriftIssue";
export type DriftIssueMethods = Pick<Store, DriftIssueMethodName>;

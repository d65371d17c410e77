import type { Job, JobSpec, JobTarget } from "../model/job.js";
import type { ApplyView, AuditEvent, LockView, LogStream } from "./console-store.js";
import { type ApplyRecord, type LiveApply, type LockRecord, type PlanRecord, scopesConflict } from "./store.js";

/** `planHash` -> `plan_hash`: the column name of a record field. */
type SnakeCase<S extends string> = S extends `${infer C}${infer Rest}`
  ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${SnakeCase<Rest>}`
  : S;

/** What differs between the two databases: how JSON, timestamp, bigint and boolean columns come back. */
export interface ColumnTypes {
  json: unknown;
  time: unknown;
  bigint: unknown;
  bool: unknown;
}

/**
 * A record's row: its fields under their column names; JSON fields and timestamps in the
 * adapter's column types; an optional field is a nullable column. The records in store.ts are
 * the one field list, so a field added there is a column both adapters must map.
 */
type RowOf<R, Json extends keyof R, Time extends keyof R, C extends ColumnTypes> = {
  [K in keyof R as SnakeCase<K & string>]-?: K extends Json
    ? C["json"]
    : K extends Time
      ? C["time"] | (undefined extends R[K] ? null : never)
      : undefined extends R[K]
        ? Exclude<R[K], undefined> | null
        : R[K];
};

// check_run_id is a bigint column: node-postgres returns it as a string.
export type JobRow<C extends ColumnTypes> = Omit<
  RowOf<Job, "target" | "spec" | "commentIds", "createdAt" | "updatedAt", C>,
  "check_run_id"
> & {
  check_run_id: number | string | null;
};
export type PlanRow<C extends ColumnTypes> = RowOf<PlanRecord, "summary", "createdAt", C>;
export type LockRow<C extends ColumnTypes> = RowOf<LockRecord, never, "createdAt", C>;
export type ApplyRow<C extends ColumnTypes> = RowOf<ApplyRecord, never, "startedAt" | "finishedAt", C>;
/** An apply with who asked for it and the commit it applied (the console's audit view). */
export type ApplyViewRow<C extends ColumnTypes> = ApplyRow<C> & { actor: string | null; head_sha: string | null };
export type AuditRow<C extends ColumnTypes> = RowOf<AuditEvent, never, "at", C>;
/** The live record of one apply (deployment ids are bigint columns). */
export type LiveRow<C extends ColumnTypes> = Omit<RowOf<LiveApply, "approvers", "startedAt" | "finishedAt", C>, "deployment_id"> & {
  deployment_id: C["bigint"] | null;
};
/** A PR waiting for a lock (lock_waiters, without the job target). */
export interface WaiterRow {
  repo: string;
  dir: string;
  workspace: string;
  /** The scope the PR waits to lock ("" the whole dir + workspace). */
  scope: string;
  pr: number;
}
export type StreamRow<C extends ColumnTypes> = Omit<RowOf<LogStream, never, "startedAt" | "updatedAt", C>, "bytes" | "truncated"> & {
  bytes: C["bigint"];
  truncated: C["bool"];
};

/**
 * Row -> record converters for one adapter, given how it reads its JSON and timestamp columns
 * (SQLite: JSON text and ISO strings; PostgreSQL: parsed jsonb and Dates).
 */
export function recordMappers<C extends ColumnTypes>(read: {
  json(value: C["json"]): unknown;
  time(value: C["time"]): string;
  bigint(value: C["bigint"]): number;
  bool(value: C["bool"]): boolean;
}) {
  const time = (v: C["time"] | null) => (v === null ? undefined : read.time(v));
  const toLock = (r: LockRow<C>): LockRecord => ({
    repo: r.repo,
    dir: r.dir,
    workspace: r.workspace,
    project: r.project,
    scope: r.scope,
    pr: r.pr,
    createdAt: read.time(r.created_at),
  });
  const toApply = (r: ApplyRow<C>): ApplyRecord => ({
    id: r.id,
    jobId: r.job_id,
    repo: r.repo,
    pr: r.pr,
    project: r.project,
    planId: r.plan_id,
    status: r.status,
    startedAt: read.time(r.started_at),
    finishedAt: time(r.finished_at),
  });
  return {
    toJob: (r: JobRow<C>): Job => ({
      id: r.id,
      deliveryId: r.delivery_id,
      target: read.json(r.target) as JobTarget,
      spec: read.json(r.spec) as JobSpec,
      status: r.status,
      attempts: r.attempts,
      commentIds: read.json(r.comment_ids) as number[],
      checkRunId: r.check_run_id === null ? undefined : Number(r.check_run_id),
      createdAt: read.time(r.created_at),
      updatedAt: read.time(r.updated_at),
    }),
    toPlan: (r: PlanRow<C>): PlanRecord => ({
      id: r.id,
      repo: r.repo,
      pr: r.pr,
      project: r.project,
      dir: r.dir,
      workspace: r.workspace,
      runner: r.runner,
      headSha: r.head_sha,
      baseSha: r.base_sha,
      planPath: r.plan_path,
      planHash: r.plan_hash,
      summary: read.json(r.summary) as PlanRecord["summary"],
      status: r.status,
      jobId: r.job_id,
      createdAt: read.time(r.created_at),
    }),
    toLock,
    /** Each lock with the PRs waiting for it (waiters in the order given). */
    toLockViews: (locks: LockRow<C>[], waiters: WaiterRow[]): LockView[] =>
      locks.map((l) => ({
        ...toLock(l),
        waiting: waiters
          .filter((w) => w.repo === l.repo && w.dir === l.dir && w.workspace === l.workspace && scopesConflict(w.scope, l.scope))
          .map((w) => w.pr),
      })),
    toAudit: (r: AuditRow<C>): AuditEvent => ({
      id: r.id,
      at: read.time(r.at),
      actor: r.actor,
      action: r.action,
      repo: r.repo ?? undefined,
      project: r.project ?? undefined,
      pr: r.pr ?? undefined,
      detail: r.detail,
    }),
    toApply,
    toApplyView: (r: ApplyViewRow<C>): ApplyView => ({ ...toApply(r), actor: r.actor ?? "", headSha: r.head_sha ?? undefined }),
    toLive: (r: LiveRow<C>): LiveApply => ({
      id: r.id,
      repo: r.repo,
      project: r.project,
      dir: r.dir,
      workspace: r.workspace,
      commitSha: r.commit_sha,
      source: r.source,
      number: r.number,
      actor: r.actor,
      approvers: read.json(r.approvers) as string[],
      planHash: r.plan_hash,
      outcome: r.outcome,
      ...(r.deployment_id !== null ? { deploymentId: read.bigint(r.deployment_id) } : {}),
      startedAt: read.time(r.started_at),
      ...(r.finished_at !== null ? { finishedAt: read.time(r.finished_at) } : {}),
    }),
    toStream: (r: StreamRow<C>): LogStream => ({
      jobId: r.job_id,
      project: r.project,
      repo: r.repo,
      pr: r.pr,
      kind: r.kind,
      bytes: read.bigint(r.bytes),
      truncated: read.bool(r.truncated),
      startedAt: read.time(r.started_at),
      updatedAt: read.time(r.updated_at),
    }),
  };
}

import type { Job, JobSpec, JobTarget } from "../model/job.js";
import type { ApplyView, AuditEvent, LockView, LogStream } from "./console-store.js";
import { bool, json } from "./db/db.js";
import { type ApplyRecord, type LiveApply, type LockRecord, type PlanRecord, scopesConflict } from "./store.js";

/** `planHash` -> `plan_hash`: the column name of a record field. */
type SnakeCase<S extends string> = S extends `${infer C}${infer Rest}`
  ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${SnakeCase<Rest>}`
  : S;

/** Column values as both drivers return them (db.ts): JSON as text, times as ISO strings, 64-bit integers as numbers, booleans as 1/0. */
interface ColumnTypes {
  json: string;
  time: string;
  bigint: number;
  bool: number;
}
type C = ColumnTypes;

/**
 * A record's row: its fields under their column names; JSON fields and timestamps in the
 * drivers' column types; an optional field is a nullable column. The records in store.ts are
 * the one field list, so a field added there is a column the mappers below must read.
 */
type RowOf<R, Json extends keyof R, Time extends keyof R> = {
  [K in keyof R as SnakeCase<K & string>]-?: K extends Json
    ? C["json"]
    : K extends Time
      ? C["time"] | (undefined extends R[K] ? null : never)
      : undefined extends R[K]
        ? Exclude<R[K], undefined> | null
        : R[K];
};

export type JobRow = RowOf<Job, "target" | "spec" | "commentIds", "createdAt" | "updatedAt">;
export type PlanRow = RowOf<PlanRecord, "summary", "createdAt" | "shownAt">;
export type LockRow = RowOf<LockRecord, never, "createdAt">;
export type ApplyRow = RowOf<ApplyRecord, never, "startedAt" | "finishedAt" | "settledAt">;
/** An apply with who asked for it and the commit it applied (the console's audit view). */
export type ApplyViewRow = ApplyRow & { actor: string | null; head_sha: string | null };
export type AuditRow = RowOf<AuditEvent, never, "at">;
/** The live record of one apply (deployment ids are bigint columns). */
export type LiveRow = Omit<RowOf<LiveApply, "approvers", "startedAt" | "finishedAt">, "deployment_id"> & {
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
export type StreamRow = Omit<RowOf<LogStream, never, "startedAt" | "updatedAt">, "bytes" | "truncated"> & {
  bytes: C["bigint"];
  truncated: C["bool"];
};

const time = (v: string | null) => v ?? undefined;
const toLock = (r: LockRow): LockRecord => ({
  repo: r.repo,
  dir: r.dir,
  workspace: r.workspace,
  project: r.project,
  scope: r.scope,
  pr: r.pr,
  createdAt: r.created_at,
});
const toApply = (r: ApplyRow): ApplyRecord => ({
  id: r.id,
  jobId: r.job_id,
  repo: r.repo,
  pr: r.pr,
  project: r.project,
  planId: r.plan_id,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: time(r.finished_at),
  ...(r.settled_by === null ? {} : { settledBy: r.settled_by, settledAt: time(r.settled_at) }),
});
const toJob = (r: JobRow): Job => ({
  id: r.id,
  deliveryId: r.delivery_id,
  target: json(r.target) as JobTarget,
  spec: json(r.spec) as JobSpec,
  status: r.status,
  attempts: r.attempts,
  commentIds: json(r.comment_ids) as number[],
  checkRunId: r.check_run_id ?? undefined,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toPlan = (r: PlanRow): PlanRecord => ({
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
  summary: json(r.summary) as PlanRecord["summary"],
  status: r.status,
  jobId: r.job_id,
  createdAt: r.created_at,
  ...(r.shown_at !== null ? { shownAt: r.shown_at } : {}),
});
/** Each lock with the PRs waiting for it (waiters in the order given). */
const toLockViews = (locks: LockRow[], waiters: WaiterRow[]): LockView[] =>
  locks.map((l) => ({
    ...toLock(l),
    waiting: waiters
      .filter((w) => w.repo === l.repo && w.dir === l.dir && w.workspace === l.workspace && scopesConflict(w.scope, l.scope))
      .map((w) => w.pr),
  }));
const toAudit = (r: AuditRow): AuditEvent => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  repo: r.repo ?? undefined,
  project: r.project ?? undefined,
  pr: r.pr ?? undefined,
  detail: r.detail,
});
const toApplyView = (r: ApplyViewRow): ApplyView => ({ ...toApply(r), actor: r.actor ?? "", headSha: r.head_sha ?? undefined });
const toLive = (r: LiveRow): LiveApply => ({
  id: r.id,
  repo: r.repo,
  project: r.project,
  dir: r.dir,
  workspace: r.workspace,
  commitSha: r.commit_sha,
  source: r.source,
  number: r.number,
  actor: r.actor,
  approvers: json(r.approvers) as string[],
  planHash: r.plan_hash,
  outcome: r.outcome,
  ...(r.deployment_id !== null ? { deploymentId: r.deployment_id } : {}),
  startedAt: r.started_at,
  ...(r.finished_at !== null ? { finishedAt: r.finished_at } : {}),
});
const toStream = (r: StreamRow): LogStream => ({
  jobId: r.job_id,
  project: r.project,
  repo: r.repo,
  pr: r.pr,
  kind: r.kind,
  bytes: r.bytes,
  truncated: bool(r.truncated),
  startedAt: r.started_at,
  updatedAt: r.updated_at,
});

/** Row -> record converters: one set, for rows of either database. */
export const records = { toJob, toPlan, toLock, toLockViews, toAudit, toApply, toApplyView, toLive, toStream };

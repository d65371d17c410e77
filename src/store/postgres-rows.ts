import type { ApplyRecord, LockRecord, PlanRecord } from "./store.js";
import type { Job, JobSpec, JobStatus, JobTarget } from "../model/job.js";

// Row shapes as node-postgres returns them: jsonb parsed, timestamptz as Date, bigint as string.

export interface JobRow {
  id: number;
  delivery_id: string;
  target: JobTarget;
  spec: JobSpec;
  status: JobStatus;
  attempts: number;
  comment_ids: number[];
  check_run_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export const toJob = (r: JobRow): Job => ({
  id: r.id,
  deliveryId: r.delivery_id,
  target: r.target,
  spec: r.spec,
  status: r.status,
  attempts: r.attempts,
  commentIds: r.comment_ids,
  checkRunId: r.check_run_id === null ? undefined : Number(r.check_run_id),
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export interface PlanRow {
  id: number;
  repo: string;
  pr: number;
  project: string;
  dir: string;
  workspace: string;
  runner: string;
  head_sha: string;
  base_sha: string;
  plan_path: string;
  plan_hash: string;
  summary: PlanRecord["summary"];
  status: PlanRecord["status"];
  job_id: number;
  created_at: Date;
}

export const toPlan = (r: PlanRow): PlanRecord => ({
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
  summary: r.summary,
  status: r.status,
  jobId: r.job_id,
  createdAt: r.created_at.toISOString(),
});

export interface LockRow {
  repo: string;
  dir: string;
  workspace: string;
  project: string;
  pr: number;
  created_at: Date;
}

export const toLock = (r: LockRow): LockRecord => ({
  repo: r.repo,
  dir: r.dir,
  workspace: r.workspace,
  project: r.project,
  pr: r.pr,
  createdAt: r.created_at.toISOString(),
});

export interface ApplyRow {
  id: number;
  job_id: number;
  repo: string;
  pr: number;
  project: string;
  plan_id: number;
  status: ApplyRecord["status"];
  started_at: Date;
  finished_at: Date | null;
}

export const toApply = (r: ApplyRow): ApplyRecord => ({
  id: r.id,
  jobId: r.job_id,
  repo: r.repo,
  pr: r.pr,
  project: r.project,
  planId: r.plan_id,
  status: r.status,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at?.toISOString(),
});

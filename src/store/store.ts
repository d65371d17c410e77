import type { Command } from "../model/command.js";

/** A GitHub repository as Sluice addresses it. */
export interface RepoRef {
  owner: string;
  name: string;
}

/** What a job must do, decided at ingress from the webhook alone (pure). */
export type JobSpec =
  | {
      kind: "plan";
      trigger: "autoplan" | "comment";
      /** For comment-triggered plans: the command and its author. */
      command?: Extract<Command, { kind: "plan" }>;
      /** The comment's first line as typed, shown in the reply. */
      commandLine?: string;
      commentId?: number;
      actor: string;
    }
  | { kind: "reply"; body: "help" | "invalid"; reason?: string; commentId: number; actor: string }
  | { kind: "cleanup"; merged: boolean; actor: string };

/** The fields every job carries: where it runs. */
export interface JobTarget {
  installationId: number;
  repo: RepoRef;
  cloneUrl: string;
  pr: number;
  /** Head SHA from the payload: informative only, the job re-reads the live head. */
  payloadHeadSha?: string;
}

export type JobStatus = "queued" | "running" | "done" | "failed" | "interrupted";

export interface Job {
  id: number;
  deliveryId: string;
  target: JobTarget;
  spec: JobSpec;
  status: JobStatus;
  attempts: number;
  commentIds: number[];
  checkRunId?: number;
  createdAt: string;
  updatedAt: string;
}

export interface JobPatch {
  status?: JobStatus;
  commentIds?: number[];
  checkRunId?: number;
  error?: string;
}

/**
 * The store adapter. Every method is atomic on its own; ingress relies on `recordDelivery`
 * inserting the delivery id and the job in one transaction so a delivery is acted on once,
 * also across restarts.
 */
export interface Store {
  /** Records the delivery; enqueues the job unless the delivery id was seen before. */
  recordDelivery(
    deliveryId: string,
    event: string,
    job: { target: JobTarget; spec: JobSpec } | undefined,
  ): Promise<{ duplicate: boolean; jobId?: number }>;
  /** Atomically moves the oldest queued job to running and returns it. */
  claimNextJob(): Promise<Job | undefined>;
  getJob(id: number): Promise<Job | undefined>;
  updateJob(id: number, patch: JobPatch): Promise<void>;
  /** Jobs left running by a previous process (crash or kill): the caller decides their fate. */
  runningJobs(): Promise<Job[]>;
  requeueJob(id: number): Promise<void>;
  close(): Promise<void>;
}

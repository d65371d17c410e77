import type { Command } from "./command.js";
import type { RepoRef } from "./repo.js";

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
      /** Typed as `atlantis plan`: acted on only in repos configured with atlantis.yaml. */
      viaAtlantis?: boolean;
    }
  | {
      kind: "apply";
      trigger: "comment" | "merge";
      command?: Extract<Command, { kind: "apply" }>;
      commandLine?: string;
      commentId?: number;
      actor: string;
      /** For merge-triggered applies: the merge commit. */
      mergeSha?: string;
      viaAtlantis?: boolean;
    }
  | {
      kind: "unlock";
      command: Extract<Command, { kind: "unlock" }>;
      commandLine?: string;
      commentId: number;
      actor: string;
      viaAtlantis?: boolean;
    }
  | {
      /** Pull mode: a drift check of the default branch head, or `/drift pause|resume`. */
      kind: "drift";
      trigger: "schedule" | "comment" | "push";
      command?: Extract<Command, { kind: "drift" }>;
      /** Scheduled runs: the projects whose schedule came due. */
      projects?: string[];
      commandLine?: string;
      commentId?: number;
      actor: string;
    }
  | {
      /** `/apply` on a drift issue: the plan the issue shows (target.pr is the issue). */
      kind: "drift-apply";
      command: Extract<Command, { kind: "apply" }>;
      commandLine?: string;
      commentId: number;
      actor: string;
    }
  | { kind: "reply"; body: "help" | "invalid"; reason?: string; commentId: number; actor: string }
  | { kind: "cleanup"; merged: boolean; mergeSha?: string; actor: string };

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

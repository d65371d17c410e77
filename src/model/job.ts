import type { Permission } from "./pull-request.js";
import type { Command, ProjectFilter } from "./command.js";
import type { RepoRef } from "./repo.js";

/** What a job must do, decided at ingress from the webhook alone (pure). */
export type JobSpec =
  | {
      kind: "plan";
      /** `rerun`: GitHub's "Re-run" on a Sluice check, a bare `/plan` by the clicking user. */
      trigger: "autoplan" | "comment" | "rerun";
      /** For comment-triggered plans: the command and its author. */
      command?: Extract<Command, { kind: "plan" }>;
      /** The comment's first line as typed, shown in the reply. */
      commandLine?: string;
      commentId?: number;
      actor: string;
      /** The GitHub account id of `actor` (the comment's writer, the clicking user, the signed-in console user): server settings that name people compare it. */
      actorId?: number;
      /** Typed as `atlantis plan`: acted on only in repos configured with atlantis.yaml. */
      viaAtlantis?: boolean;
      /**
       * For re-runs of one check run: that run and the job that made it (`sluice-job-N`), whose
       * pull request is the one re-planned, whichever open PR of the commit GitHub listed first.
       */
      rerunOf?: { checkRunId: number; madeBy?: number };
    }
  | {
      kind: "apply";
      /** `button`: the "Apply" action of a `sluice/plan` check run, a bare `/apply` by the clicking user of the plans that check shows. */
      trigger: "comment" | "merge" | "button";
      command?: Extract<Command, { kind: "apply" }>;
      /** For button applies: the head SHA of the check run clicked; a plan of any other commit is stale. */
      checkSha?: string;
      /**
       * For button applies: the check run clicked, as the click's body showed it. The job marks it
       * completed again at once, so that a later click sends another body (see act-once-keys.ts).
       */
      clicked?: {
        checkRunId: number;
        completedAt: string;
        conclusion: string;
        /**
         * The job that made the check run (its external id `sluice-job-N`): its pull request is the
         * one the click applies, whichever open PR of the same commit GitHub listed first.
         */
        madeBy?: number;
      };
      commandLine?: string;
      commentId?: number;
      /** For comment applies: when the comment was written (GitHub's `created_at`). */
      commentAt?: string;
      actor: string;
      actorId?: number;
      /** For merge-triggered applies: the merge commit. */
      mergeSha?: string;
      viaAtlantis?: boolean;
    }
  | {
      kind: "unlock";
      command: Extract<Command, { kind: "unlock" }>;
      commandLine?: string;
      /** The `/unlock` comment; absent when the console asked (nothing to react to). */
      commentId?: number;
      /** The comment's `created_at` (GitHub's): it settles no failed apply that ended after it was written. */
      commentAt?: string;
      actor: string;
      actorId?: number;
      viaAtlantis?: boolean;
      /**
       * Set only by the console and the API for someone signed in without GitHub (SSO, an API
       * token): the permission their role gives in the repository, used instead of asking GitHub.
       */
      grant?: Permission;
      /** The console or the API, as the audit names the way in ("the API (token 3 ci)"); absent for a comment. */
      via?: string;
    }
  | {
      kind: "state";
      /** `/import`, `/state rm` or `/state push-errored`: changes the project's state, so it is guarded like an apply. */
      command: Extract<Command, { kind: "import" | "state_rm" | "state_push" }>;
      commandLine?: string;
      commentId: number;
      /** When the comment was written (GitHub's `created_at`), as an `/apply`'s. */
      commentAt?: string;
      actor: string;
      actorId?: number;
      viaAtlantis?: boolean;
    }
  | {
      /** Pull mode: plan the default branch head of projects (all that match, or those whose schedule came due). */
      kind: "drift-check";
      trigger: "schedule" | "comment";
      /** `/drift [-p|-d|-w]`: which projects. */
      filter?: ProjectFilter;
      /** Scheduled runs: the projects whose schedule came due. */
      projects?: string[];
      commandLine?: string;
      commentId?: number;
      actor: string;
      actorId?: number;
    }
  | {
      /** `/drift pause -p X -- reason` and `/drift resume -p X`: stop and restart reconciling one project. */
      kind: "drift-pause";
      action: "pause" | "resume";
      project: string;
      reason?: string;
      commandLine?: string;
      /** The comment; absent when the console or the API asked (the job says its answer in its log). */
      commentId?: number;
      /** The comment's `created_at` (GitHub's): a resume written before the pause it would lift never saw it. */
      commentAt?: string;
      /** A console resume: the pause its page showed (its `createdAt`); one set after it is not lifted. */
      pausedShownAt?: string;
      actor: string;
      actorId?: number;
      /** As `unlock`'s: the permission the console's role gives someone signed in without GitHub. */
      grant?: Permission;
      /** As `unlock`'s: the console or the API, as the audit names the way in. */
      via?: string;
    }
  | {
      /** The default branch moved: the repo's drift schedules follow its config. */
      kind: "drift-schedule-sync";
      actor: string;
      actorId?: number;
    }
  | LegacyDriftSpec
  | {
      /** `/apply` on a drift issue: the plan the issue shows (target.pr is the issue). */
      kind: "drift-apply";
      command: Extract<Command, { kind: "apply" }>;
      commandLine?: string;
      commentId: number;
      /** When the comment was written (GitHub's `created_at`): a plan made after it by another was never seen. */
      commentAt?: string;
      actor: string;
      actorId?: number;
    }
  | {
      kind: "approve_policies";
      command: Extract<Command, { kind: "approve_policies" }>;
      commandLine?: string;
      commentId: number;
      /** When the comment was written (GitHub's `created_at`): a redelivery's job is stored later. */
      commentAt?: string;
      actor: string;
      /** The commenter's GitHub account id: a login renamed since their push is still the pusher. */
      actorId?: number;
      viaAtlantis?: boolean;
    }
  | {
      kind: "merge_group";
      /** The merge group's commit (base + the queued PRs), checked out by SHA. */
      headSha: string;
      headRef: string;
      baseSha: string;
      baseRef: string;
      /** The PRs in the group, from its branch name; the job's target PR is the first. */
      pulls: number[];
      actor: string;
      actorId?: number;
    }
  | {
      /**
       * A pull request's previews: `sync` plans and applies them at the PR's head (opened, pushed);
       * `destroy` tears them down (closed, TTL, sweep, `/preview destroy`, the console); `recreate`
       * is both; `extend` pushes the TTL back. `project`: one preview only (the sweep, the console).
       */
      kind: "preview";
      /** `check`: the sweep asks whether the PR is still open (a close Sluice never heard of). */
      action: "sync" | "destroy" | "recreate" | "extend" | "check";
      /** Why, in the PR's and the audit's words: "the pull request was closed", "its `ttl` passed". */
      reason?: string;
      project?: string;
      /** `extend`: how much longer, in milliseconds. */
      extendMs?: number;
      commandLine?: string;
      commentId?: number;
      actor: string;
      actorId?: number;
      /** Set only by the console and the API (a destroy): the permission an SSO role or API token gives, as for an unlock. */
      grant?: Permission;
      /** The console or the API that asked (a destroy): its asker is checked and acts, as a comment's would. */
      via?: string;
    }
  | {
      /**
       * `destroy_at` / `idle_ttl` of ordinary workspaces, on the default branch (target.pr 0):
       * without `project` it finds what is due and queues one job per workspace, once ever;
       * with `project` it destroys that workspace.
       */
      kind: "scheduled-destroy";
      project?: string;
      reason?: string;
      actor: string;
      actorId?: number;
    }
  | {
      kind: "applies";
      command: Extract<Command, { kind: "applies" }>;
      commandLine?: string;
      commentId: number;
      /** When the comment was written (GitHub's `created_at`): a resume older than the pause lifts nothing. */
      commentAt?: string;
      actor: string;
      actorId?: number;
    }
  | { kind: "reply"; body: "help" | "invalid"; reason?: string; commentId: number; actor: string }
  /** A PR closed (merged or not), or (`driftIssue`) a drift issue closed by hand: its target `pr` is the issue's number. */
  | { kind: "cleanup"; merged: boolean; mergeSha?: string; actor: string; actorId?: number; driftIssue?: boolean }
  /**
   * Sluice holds something of this pull request (a lock): is it still open on GitHub? A PR found
   * closed gets what its lost `closed` event would have done, never the apply on merge.
   */
  | { kind: "heal"; actor: string };

/**
 * The one `drift` kind of earlier versions, which meant four commands (a check, pause, resume, a
 * schedule refresh). Never made any more; a job stored before an upgrade is still read and run
 * as the kind it meant (src/drift/upgrade-drift-spec.ts).
 */
export interface LegacyDriftSpec {
  kind: "drift";
  trigger: "schedule" | "comment" | "push";
  command?: Extract<Command, { kind: "drift" }>;
  projects?: string[];
  commandLine?: string;
  commentId?: number;
  actor: string;
}

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

/** One kind's spec: what the dispatcher hands a use case once it has looked at the kind. */
export type SpecOf<K extends JobSpec["kind"]> = Extract<JobSpec, { kind: K }>;

/** A job whose spec is known to be `S`. */
export type JobWith<S extends JobSpec> = Omit<Job, "spec"> & { spec: S };

/**
 * The account id of whoever asked for the job (the comment's writer, the clicking user, the merger,
 * the signed-in console user), as GitHub sent it: what server settings that name people compare.
 */
export function actorOf(spec: JobSpec): { login: string; id?: number } {
  const id = "actorId" in spec ? spec.actorId : undefined;
  return { login: spec.actor, ...(Number.isSafeInteger(id) ? { id } : {}) };
}

/**
 * A spec's `actorId` field, from an account id as GitHub sent it (a payload's `sender.id`, a spec's
 * own): present only when it is one, so a spec spread into another never carries `actorId: undefined`
 * or a value no account has.
 */
export function actorIdField(id: unknown): { actorId?: number } {
  return typeof id === "number" && Number.isSafeInteger(id) ? { actorId: id } : {};
}

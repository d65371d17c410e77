import type { ServerConfig } from "../config/server-config.js";
import { DRIFT_LABEL } from "../model/drift.js";
import { type JobSpec, type JobTarget, actorIdField } from "../model/job.js";
import { checkEventToJob, mergeGroupToJob } from "./check-event-to-job.js";
import { issueCommentToJob, pullRequestCommentToJob } from "./comment-to-job.js";
import { mayBeDriftIssue, type Payload, targetOf } from "./ingress-payload.js";

/** What ingress does with a delivery: enqueue a job, or ignore it (with the reason, for the log). */
export type IngressDecision = { job: { target: JobTarget; spec: JobSpec } } | { ignore: string };

export interface IngressSettings {
  autoplanDrafts: boolean;
  /** Server setting `atlantis_prefix`; default: `atlantis …` only where atlantis.yaml configures the repo. */
  atlantisPrefix?: "with-atlantis-yaml" | "always" | "never";
  /** Server setting `autoplan`; default true. */
  autoplan?: boolean;
  /** The server lets repositories have previews (`allowed_overrides: [preview]`). */
  previews?: boolean;
  /** Server setting `allow_commands`; default: every command. */
  allowCommands?: readonly string[];
}

const AUTOPLAN_ACTIONS = new Set(["opened", "synchronize", "reopened", "ready_for_review"]);

/**
 * What a pull request's new head gets (opened, pushed to, reopened, ready for review): its
 * autoplan, or its previews' sync when autoplan is off; the same when the heal sweep finds a head
 * whose event never arrived.
 */
export function headMovedSpec(draft: boolean, settings: IngressSettings, actor: string, actorId?: number): JobSpec | { ignore: string } {
  // The pusher's account id: their preview sync is checked against `apply_users` by it.
  const id = actorIdField(actorId);
  // A draft gets nothing by itself, previews included, whether or not autoplan is on: the
  // same rule as the autoplan's (its previews follow from ready_for_review).
  if (draft && !settings.autoplanDrafts) return { ignore: "draft pull request: autoplan of drafts is off" };
  if (settings.autoplan === false) {
    // Previews follow the PR's head whether or not its plans do; the job reads whether it has any.
    if (settings.previews) return { kind: "preview", action: "sync", actor, ...id };
    return { ignore: "autoplan is off on this server (server setting `autoplan`)" };
  }
  return { kind: "plan", trigger: "autoplan", actor, ...id };
}

/** What ingress decides with: the repository's own values of these server settings. */
export function ingressSettings(config: ServerConfig): IngressSettings {
  return {
    autoplanDrafts: config.autoplan_drafts,
    atlantisPrefix: config.atlantis_prefix,
    autoplan: config.autoplan,
    previews: config.allowed_overrides.includes("preview"),
    allowCommands: config.allow_commands,
  };
}

/** Pure: maps a verified webhook to the job it asks for. Everything else is ignored, with a reason. */
export function eventToJob(event: string, payload: unknown, settings: IngressSettings): IngressDecision {
  const p = (payload ?? {}) as Payload;
  const actor = p.sender?.login ?? "";

  if (event === "pull_request") {
    const pr = p.pull_request?.number;
    if (!pr) return { ignore: "pull_request event without a number" };
    const target = targetOf(p, pr, p.pull_request?.head?.sha);
    if (typeof target === "string") return { ignore: target };
    if (p.action === "closed") {
      const merged = p.pull_request?.merged === true;
      const mergeSha = merged ? (p.pull_request?.merge_commit_sha ?? undefined) : undefined;
      const id = p.sender?.id;
      return { job: { target, spec: { kind: "cleanup", merged, mergeSha, actor, ...actorIdField(id) } } };
    }
    if (!p.action || !AUTOPLAN_ACTIONS.has(p.action)) return { ignore: `pull_request.${p.action} is not acted on` };
    const spec = headMovedSpec(p.pull_request?.draft === true, settings, actor, p.sender?.id);
    return "ignore" in spec ? spec : { job: { target, spec } };
  }

  if (event === "push") {
    // Pull mode: a commit on the default branch changes what should be live (and the schedules).
    const branch = p.repository?.default_branch;
    if (!branch || p.ref !== `refs/heads/${branch}`) return { ignore: "push to a branch other than the default branch" };
    if (p.deleted) return { ignore: "the default branch was deleted" };
    const target = targetOf(
      { ...p, repository: { ...p.repository, owner: { login: p.repository?.owner?.login ?? p.repository?.owner?.name } } },
      0,
      p.after,
    );
    if (typeof target === "string") return { ignore: target };
    return { job: { target, spec: { kind: "drift-schedule-sync", actor } } };
  }

  if (event === "issues") {
    // A drift issue closed by anyone (Sluice closes its own when the drift is gone): the plan it
    // showed can no longer be applied, so it goes, with its bytes in the store.
    if (p.action !== "closed") return { ignore: `issues.${p.action} is not acted on` };
    // Not by its label alone: one a person took off a drift issue of Sluice's must not keep its plan.
    if (!mayBeDriftIssue(p, DRIFT_LABEL)) return { ignore: "a closed issue that is not a drift issue" };
    const number = p.issue?.number;
    if (!number) return { ignore: "issues event without a number" };
    const target = targetOf(p, number);
    if (typeof target === "string") return { ignore: target };
    return { job: { target, spec: { kind: "cleanup", merged: false, actor, driftIssue: true } } };
  }

  if (event === "issue_comment") {
    // Edited and deleted comments are not commands: only what someone just said counts.
    if (p.action !== "created") return { ignore: `issue_comment.${p.action} is not acted on` };
    if (!p.issue?.pull_request) return issueCommentToJob(p, actor, settings);
    return pullRequestCommentToJob(p, actor, settings);
  }

  if (event === "check_run" || event === "check_suite") return checkEventToJob(event, p, actor, settings);
  if (event === "merge_group") return mergeGroupToJob(p, actor);

  return { ignore: `${event} events are not acted on` };
}

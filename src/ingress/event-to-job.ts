import { parseComment } from "../command/parse-comment.js";
import type { JobSpec, JobTarget } from "../model/job.js";

/** What ingress does with a delivery: enqueue a job, or ignore it (with the reason, for the log). */
export type IngressDecision = { job: { target: JobTarget; spec: JobSpec } } | { ignore: string };

interface Payload {
  action?: string;
  installation?: { id?: number };
  repository?: { owner?: { login?: string; name?: string }; name?: string; clone_url?: string; full_name?: string; default_branch?: string };
  sender?: { login?: string; type?: string };
  pull_request?: { number?: number; draft?: boolean; merged?: boolean; merge_commit_sha?: string | null; head?: { sha?: string } };
  issue?: { number?: number; pull_request?: unknown; labels?: { name?: string }[] };
  /** push events */
  ref?: string;
  deleted?: boolean;
  after?: string;
  comment?: { id?: number; body?: string; user?: { login?: string; type?: string } };
}

export interface IngressSettings {
  autoplanDrafts: boolean;
}

const AUTOPLAN_ACTIONS = new Set(["opened", "synchronize", "reopened", "ready_for_review"]);

function targetOf(p: Payload, pr: number, headSha?: string): JobTarget | string {
  const installationId = p.installation?.id;
  const owner = p.repository?.owner?.login;
  const name = p.repository?.name;
  const cloneUrl = p.repository?.clone_url;
  if (!installationId) return "no installation id in the payload";
  if (!owner || !name || !cloneUrl) return "no repository in the payload";
  return { installationId, repo: { owner, name }, cloneUrl, pr, payloadHeadSha: headSha };
}

function firstLine(body: string | undefined): string {
  return (body ?? "").split(/\r\n|\n|\r/, 1)[0]?.trim().slice(0, 200) ?? "";
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
      return { job: { target, spec: { kind: "cleanup", merged, mergeSha, actor } } };
    }
    if (!p.action || !AUTOPLAN_ACTIONS.has(p.action)) return { ignore: `pull_request.${p.action} is not acted on` };
    if (p.pull_request?.draft && !settings.autoplanDrafts) {
      return { ignore: "draft pull request: autoplan of drafts is off" };
    }
    return { job: { target, spec: { kind: "plan", trigger: "autoplan", actor } } };
  }

  if (event === "push") {
    // Pull mode: a commit on the default branch changes what should be live (and the schedules).
    const branch = p.repository?.default_branch;
    if (!branch || p.ref !== `refs/heads/${branch}`) return { ignore: "push to a branch other than the default branch" };
    if (p.deleted) return { ignore: "the default branch was deleted" };
    const target = targetOf({ ...p, repository: { ...p.repository, owner: { login: p.repository?.owner?.login ?? p.repository?.owner?.name } } }, 0, p.after);
    if (typeof target === "string") return { ignore: target };
    return { job: { target, spec: { kind: "drift", trigger: "push", actor } } };
  }

  if (event === "issue_comment") {
    // Edited and deleted comments are not commands: only what someone just said counts.
    if (p.action !== "created") return { ignore: `issue_comment.${p.action} is not acted on` };
    if (!p.issue?.pull_request) return issueCommentToJob(p, actor);
    const user = p.comment?.user;
    // Bots, Sluice included, cannot drive Sluice: no loops, no command laundering through other apps.
    if (user?.type === "Bot" || user?.login?.endsWith("[bot]")) return { ignore: "comment by a bot" };
    const pr = p.issue.number;
    const commentId = p.comment?.id;
    if (!pr || !commentId) return { ignore: "comment without issue number or id" };
    const target = targetOf(p, pr);
    if (typeof target === "string") return { ignore: target };
    const parsed = parseComment(p.comment?.body ?? "", { allowAtlantisPrefix: true });
    const by = user?.login ?? actor;
    if (parsed.type === "none") return { ignore: "comment is not a command" };
    if (parsed.type === "invalid") {
      return { job: { target, spec: { kind: "reply", body: "invalid", reason: parsed.reason, commentId, actor: by } } };
    }
    const cmd = parsed.command;
    const commandLine = firstLine(p.comment?.body);
    const viaAtlantis = /^atlantis\s/.test(commandLine);
    if (viaAtlantis && cmd.kind === "help") return { ignore: "`atlantis help` is left to Atlantis" };
    if (cmd.kind === "help") return { job: { target, spec: { kind: "reply", body: "help", commentId, actor: by } } };
    if (cmd.kind === "plan") {
      return { job: { target, spec: { kind: "plan", trigger: "comment", command: cmd, commandLine, commentId, actor: by, viaAtlantis } } };
    }
    if (cmd.kind === "drift") {
      return { job: { target, spec: { kind: "drift", trigger: "comment", command: cmd, commandLine, commentId, actor: by } } };
    }
    if (cmd.kind === "apply") {
      return { job: { target, spec: { kind: "apply", trigger: "comment", command: cmd, commandLine, commentId, actor: by, viaAtlantis } } };
    }
    if (cmd.kind !== "unlock") return { ignore: "unknown command kind" };
    return { job: { target, spec: { kind: "unlock", command: cmd, commandLine, commentId, actor: by, viaAtlantis } } };
  }

  return { ignore: `${event} events are not acted on` };
}

/** The drift issue label (DESIGN.md "Pull mode"): `/apply` on a plain issue acts only on these. */
export const DRIFT_LABEL = "sluice:drift";

/** A comment on a plain issue: `/drift` anywhere, `/apply` on a drift issue; everything else is left alone. */
function issueCommentToJob(p: Payload, actor: string): IngressDecision {
  const user = p.comment?.user;
  if (user?.type === "Bot" || user?.login?.endsWith("[bot]")) return { ignore: "comment by a bot" };
  const issue = p.issue?.number;
  const commentId = p.comment?.id;
  if (!issue || !commentId) return { ignore: "comment without issue number or id" };
  const parsed = parseComment(p.comment?.body ?? "");
  const target = targetOf(p, issue);
  const isDriftIssue = (p.issue?.labels ?? []).some((l) => l.name === DRIFT_LABEL);
  if (parsed.type === "invalid") {
    // Other bots answer slash commands on issues too: only what is clearly ours gets a reply.
    const [w1, w2] = firstLine(p.comment?.body).split(/\s+/, 2);
    const is = (word: string) => w1 === `/${word}` || (w1 === "sluice" && w2 === word);
    const ours = is("drift") || (isDriftIssue && is("apply"));
    if (!ours || typeof target === "string") return { ignore: "comment on an issue, not a pull request" };
    return { job: { target, spec: { kind: "reply", body: "invalid", reason: parsed.reason, commentId, actor: user?.login ?? actor } } };
  }
  if (parsed.type !== "command") return { ignore: "comment on an issue, not a pull request" };
  if (typeof target === "string") return { ignore: target };
  const cmd = parsed.command;
  const by = user?.login ?? actor;
  const commandLine = firstLine(p.comment?.body);
  if (cmd.kind === "drift") {
    return { job: { target, spec: { kind: "drift", trigger: "comment", command: cmd, commandLine, commentId, actor: by } } };
  }
  if (cmd.kind === "apply" && isDriftIssue) {
    return { job: { target, spec: { kind: "drift-apply", command: cmd, commandLine, commentId, actor: by } } };
  }
  return { ignore: "comment on an issue, not a pull request" };
}

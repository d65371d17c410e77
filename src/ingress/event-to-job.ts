import { parseComment } from "../command/parse-comment.js";
import { DRIFT_LABEL } from "../model/drift.js";
import { driftCommandSpec } from "../drift/drift-command-spec.js";
import type { JobSpec, JobTarget } from "../model/job.js";
import type { ServerConfig } from "../config/server-config.js";

/** What ingress does with a delivery: enqueue a job, or ignore it (with the reason, for the log). */
export type IngressDecision = { job: { target: JobTarget; spec: JobSpec } } | { ignore: string };

interface Payload {
  action?: string;
  installation?: { id?: number };
  repository?: {
    id?: number;
    owner?: { login?: string; name?: string };
    name?: string;
    clone_url?: string;
    full_name?: string;
    default_branch?: string;
  };
  sender?: { login?: string; type?: string };
  pull_request?: { number?: number; draft?: boolean; merged?: boolean; merge_commit_sha?: string | null; head?: { sha?: string } };
  issue?: { number?: number; pull_request?: unknown; labels?: { name?: string }[] };
  /** push events */
  ref?: string;
  deleted?: boolean;
  after?: string;
  comment?: { id?: number; body?: string; user?: { login?: string; type?: string } };
  check_run?: CheckPayload & { name?: string };
  check_suite?: CheckPayload;
  requested_action?: { identifier?: string };
  merge_group?: { head_sha?: string; head_ref?: string; base_sha?: string; base_ref?: string };
}

interface CheckPayload {
  id?: number;
  head_sha?: string;
  completed_at?: string | null;
  conclusion?: string | null;
  /**
   * Open PRs whose head is the check's commit or branch (PRs from forks into this repo are not
   * listed), in this repository or another: GitHub lists a fork's own PR on that commit too.
   */
  pull_requests?: { number?: number; base?: { repo?: { id?: number } } }[];
}

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

/** The `allow_commands` word that switches a command on or off. */
const COMMAND_WORD: Record<string, string> = {
  plan: "plan",
  apply: "apply",
  unlock: "unlock",
  import: "import",
  state_rm: "state",
  state_push: "state",
  approve_policies: "approve_policies",
  applies: "applies",
  drift: "drift",
  preview: "preview",
  help: "help",
};

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
  return (
    (body ?? "")
      .split(/\r\n|\n|\r/, 1)[0]
      ?.trim()
      .slice(0, 200) ?? ""
  );
}

/**
 * What a pull request's new head gets (opened, pushed to, reopened, ready for review): its
 * autoplan, or its previews' sync when autoplan is off; the same when the heal sweep finds a head
 * whose event never arrived.
 */
export function headMovedSpec(draft: boolean, settings: IngressSettings, actor: string): JobSpec | { ignore: string } {
  // A draft gets nothing by itself, previews included, whether or not autoplan is on: the
  // same rule as the autoplan's (its previews follow from ready_for_review).
  if (draft && !settings.autoplanDrafts) return { ignore: "draft pull request: autoplan of drafts is off" };
  if (settings.autoplan === false) {
    // Previews follow the PR's head whether or not its plans do; the job reads whether it has any.
    if (settings.previews) return { kind: "preview", action: "sync", actor };
    return { ignore: "autoplan is off on this server (server setting `autoplan`)" };
  }
  return { kind: "plan", trigger: "autoplan", actor };
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
      return { job: { target, spec: { kind: "cleanup", merged, mergeSha, actor } } };
    }
    if (!p.action || !AUTOPLAN_ACTIONS.has(p.action)) return { ignore: `pull_request.${p.action} is not acted on` };
    const spec = headMovedSpec(p.pull_request?.draft === true, settings, actor);
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
    if (!p.issue?.labels?.some((l) => l.name === DRIFT_LABEL)) return { ignore: "a closed issue that is not a drift issue" };
    const number = p.issue.number;
    if (!number) return { ignore: "issues event without a number" };
    const target = targetOf(p, number);
    if (typeof target === "string") return { ignore: target };
    return { job: { target, spec: { kind: "cleanup", merged: false, actor, driftIssue: true } } };
  }

  if (event === "issue_comment") {
    // Edited and deleted comments are not commands: only what someone just said counts.
    if (p.action !== "created") return { ignore: `issue_comment.${p.action} is not acted on` };
    if (!p.issue?.pull_request) return issueCommentToJob(p, actor, settings);
    const user = p.comment?.user;
    // Bots, Sluice included, cannot drive Sluice: no loops, no command laundering through other apps.
    if (user?.type === "Bot" || user?.login?.endsWith("[bot]")) return { ignore: "comment by a bot" };
    const pr = p.issue.number;
    const commentId = p.comment?.id;
    if (!pr || !commentId) return { ignore: "comment without issue number or id" };
    const target = targetOf(p, pr);
    if (typeof target === "string") return { ignore: target };
    const parsed = parseComment(p.comment?.body ?? "", { allowAtlantisPrefix: settings.atlantisPrefix !== "never" });
    const by = user?.login ?? actor;
    if (parsed.type === "none") return { ignore: "comment is not a command" };
    if (parsed.type === "invalid") {
      return { job: { target, spec: { kind: "reply", body: "invalid", reason: parsed.reason, commentId, actor: by } } };
    }
    const cmd = parsed.command;
    const commandLine = firstLine(p.comment?.body);
    const viaAtlantis = /^atlantis\s/.test(commandLine);
    if (viaAtlantis && cmd.kind === "help" && settings.atlantisPrefix !== "always")
      return { ignore: "`atlantis help` is left to Atlantis" };
    const word = COMMAND_WORD[cmd.kind] ?? cmd.kind;
    if (settings.allowCommands && !settings.allowCommands.includes(word)) {
      const reason = `\`${word}\` is disabled on this Sluice server (server setting \`allow_commands\`: ${settings.allowCommands.map((c) => `\`${c}\``).join(", ") || "none"})`;
      return { job: { target, spec: { kind: "reply", body: "invalid", reason, commentId, actor: by } } };
    }
    if (cmd.kind === "help") return { job: { target, spec: { kind: "reply", body: "help", commentId, actor: by } } };
    if (cmd.kind === "plan") {
      return { job: { target, spec: { kind: "plan", trigger: "comment", command: cmd, commandLine, commentId, actor: by, viaAtlantis } } };
    }
    if (cmd.kind === "drift") {
      return { job: { target, spec: driftCommandSpec(cmd, { commandLine, commentId, actor: by }) } };
    }
    if (cmd.kind === "apply") {
      return { job: { target, spec: { kind: "apply", trigger: "comment", command: cmd, commandLine, commentId, actor: by, viaAtlantis } } };
    }
    if (cmd.kind === "import" || cmd.kind === "state_rm" || cmd.kind === "state_push") {
      return { job: { target, spec: { kind: "state", command: cmd, commandLine, commentId, actor: by, viaAtlantis } } };
    }
    if (cmd.kind === "applies") {
      return { job: { target, spec: { kind: "applies", command: cmd, commandLine, commentId, actor: by } } };
    }
    if (cmd.kind === "preview") {
      const { action, filter, extendMs } = cmd;
      const spec = { kind: "preview" as const, action, project: filter.project, extendMs, commandLine, commentId, actor: by };
      return { job: { target, spec } };
    }
    if (cmd.kind === "approve_policies") {
      return { job: { target, spec: { kind: "approve_policies", command: cmd, commandLine, commentId, actor: by, viaAtlantis } } };
    }
    if (cmd.kind !== "unlock") return { ignore: "unknown command kind" };
    return { job: { target, spec: { kind: "unlock", command: cmd, commandLine, commentId, actor: by, viaAtlantis } } };
  }

  if (event === "check_run" || event === "check_suite") return checkEventToJob(event, p, actor);
  if (event === "merge_group") return mergeGroupToJob(p, actor);

  return { ignore: `${event} events are not acted on` };
}

/**
 * A comment on a plain issue: `/drift` and `/applies` anywhere, `/apply` on a drift issue; everything
 * else is left alone.
 */
function issueCommentToJob(p: Payload, actor: string, settings: IngressSettings): IngressDecision {
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
    const ours = is("drift") || is("applies") || (isDriftIssue && is("apply"));
    if (!ours || typeof target === "string") return { ignore: "comment on an issue, not a pull request" };
    return { job: { target, spec: { kind: "reply", body: "invalid", reason: parsed.reason, commentId, actor: user?.login ?? actor } } };
  }
  if (parsed.type !== "command") return { ignore: "comment on an issue, not a pull request" };
  if (typeof target === "string") return { ignore: target };
  const cmd = parsed.command;
  const by = user?.login ?? actor;
  const commandLine = firstLine(p.comment?.body);
  const word = COMMAND_WORD[cmd.kind] ?? cmd.kind;
  if (
    (cmd.kind === "drift" || cmd.kind === "applies" || (cmd.kind === "apply" && isDriftIssue)) &&
    settings.allowCommands &&
    !settings.allowCommands.includes(word)
  ) {
    const reason = `\`${word}\` is disabled on this Sluice server (server setting \`allow_commands\`: ${settings.allowCommands.map((c) => `\`${c}\``).join(", ") || "none"})`;
    return { job: { target, spec: { kind: "reply", body: "invalid", reason, commentId, actor: by } } };
  }
  if (cmd.kind === "drift") {
    return { job: { target, spec: driftCommandSpec(cmd, { commandLine, commentId, actor: by }) } };
  }
  if (cmd.kind === "applies") {
    return { job: { target, spec: { kind: "applies", command: cmd, commandLine, commentId, actor: by } } };
  }
  if (cmd.kind === "apply" && isDriftIssue) {
    return { job: { target, spec: { kind: "drift-apply", command: cmd, commandLine, commentId, actor: by } } };
  }
  return { ignore: "comment on an issue, not a pull request" };
}

/**
 * GitHub sends `requested_action` and `rerequested` only to the app that made the check run or
 * suite. The "Apply" button is exactly `/apply` by the clicking user, bound to the clicked run's
 * commit; "Re-run" of a Sluice check is a bare `/plan` by the user who asked.
 */
function checkEventToJob(event: "check_run" | "check_suite", p: Payload, actor: string): IngressDecision {
  const check = event === "check_run" ? p.check_run : p.check_suite;
  if (p.sender?.type === "Bot" || actor.endsWith("[bot]")) return { ignore: `${event} by a bot` };
  const headSha = check?.head_sha;
  // The first PR of the commit in this repository: GitHub lists every open PR whose head is this
  // commit or branch, in other repositories too (a fork's own PR: its number names another PR
  // here), but never PRs from forks into this one; for those the job looks the PR up by the head
  // SHA (pr 0 until then).
  const repoId = p.repository?.id;
  const ours = (x: { base?: { repo?: { id?: number } } }) =>
    repoId === undefined || x.base?.repo?.id === undefined || x.base.repo.id === repoId;
  const pr = check?.pull_requests?.find((x) => typeof x.number === "number" && ours(x))?.number ?? 0;
  if (!pr && !headSha) return { ignore: `${event}.${p.action} without a pull request or a commit` };
  const target = targetOf(p, pr, headSha);
  if (typeof target === "string") return { ignore: target };
  if (event === "check_run" && p.action === "requested_action") {
    if (p.check_run?.name !== "sluice/plan" || p.requested_action?.identifier !== "apply") {
      return {
        ignore: `requested action ${p.requested_action?.identifier ?? "(none)"} on ${p.check_run?.name ?? "a check"} is not one of Sluice's`,
      };
    }
    const run = p.check_run;
    const clicked =
      typeof run?.id === "number" && typeof run.completed_at === "string" && typeof run.conclusion === "string"
        ? { clicked: { checkRunId: run.id, completedAt: run.completed_at, conclusion: run.conclusion } }
        : {};
    return { job: { target, spec: { kind: "apply", trigger: "button", actor, checkSha: headSha, ...clicked } } };
  }
  if (p.action !== "rerequested") return { ignore: `${event}.${p.action} is not acted on` };
  if (event === "check_run" && !p.check_run?.name?.startsWith("sluice/"))
    return { ignore: `re-run of ${p.check_run?.name}: not a Sluice check` };
  return { job: { target, spec: { kind: "plan", trigger: "rerun", actor } } };
}

/** `gh-readonly-queue/main/pr-123-<sha>`: the PRs of a merge group, as GitHub names its branch. */
export function mergeGroupPulls(headRef: string): number[] {
  return [...headRef.matchAll(/(?:^|\/)pr-(\d+)-[0-9a-f]{7,40}/g)].map((m) => Number(m[1]));
}

function mergeGroupToJob(p: Payload, actor: string): IngressDecision {
  if (p.action !== "checks_requested") return { ignore: `merge_group.${p.action} is not acted on` };
  const group = p.merge_group;
  if (!group?.head_sha || !group.head_ref || !group.base_sha) return { ignore: "merge_group without head and base" };
  const pulls = mergeGroupPulls(group.head_ref);
  const first = pulls[0];
  if (first === undefined) return { ignore: `merge group ${group.head_ref} names no pull request` };
  const target = targetOf(p, first, group.head_sha);
  if (typeof target === "string") return { ignore: target };
  const baseRef = (group.base_ref ?? "").replace(/^refs\/heads\//, "");
  return {
    job: {
      target,
      spec: { kind: "merge_group", headSha: group.head_sha, headRef: group.head_ref, baseSha: group.base_sha, baseRef, pulls, actor },
    },
  };
}

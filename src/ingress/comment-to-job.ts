import { commandLineOf, parseComment } from "../command/parse-comment.js";
import { driftCommandSpec } from "../drift/drift-command-spec.js";
import type { Command } from "../model/command.js";
import { DRIFT_LABEL } from "../model/drift.js";
import { type JobSpec, actorIdField } from "../model/job.js";
import type { IngressDecision, IngressSettings } from "./event-to-job.js";
import { COMMAND_WORD, disabledReason, mayBeDriftIssue, type Payload, targetOf } from "./ingress-payload.js";

/** A new comment on a pull request: the command it holds, bound to the PR and to who wrote it. */
export function pullRequestCommentToJob(p: Payload, actor: string, settings: IngressSettings): IngressDecision {
  const user = p.comment?.user;
  // Bots, Sluice included, cannot drive Sluice: no loops, no command laundering through other apps.
  if (user?.type === "Bot" || user?.login?.endsWith("[bot]")) return { ignore: "comment by a bot" };
  const pr = p.issue?.number;
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
  const commandLine = commandLineOf(p.comment?.body);
  const viaAtlantis = /^atlantis\s/.test(commandLine);
  if (viaAtlantis && cmd.kind === "help" && settings.atlantisPrefix !== "always") return { ignore: "`atlantis help` is left to Atlantis" };
  const word = COMMAND_WORD[cmd.kind] ?? cmd.kind;
  if (settings.allowCommands && !settings.allowCommands.includes(word)) {
    const reason = disabledReason(word, settings.allowCommands);
    return { job: { target, spec: { kind: "reply", body: "invalid", reason, commentId, actor: by } } };
  }
  if (cmd.kind === "help") return { job: { target, spec: { kind: "reply", body: "help", commentId, actor: by } } };
  const spec = pullRequestCommandSpec(cmd, writtenComment(p, commentId, by), viaAtlantis);
  return spec ? { job: { target, spec } } : { ignore: "unknown command kind" };
}

/**
 * What every job a comment asks for carries of it: the line as typed, the comment, who wrote it
 * (`said`: their login and account id, which server settings naming people compare), and, for the kinds that compare it with when another's job ran, when it was written
 * (`dated`; absent from the payload, absent from the spec).
 */
function writtenComment(p: Payload, commentId: number, actor: string) {
  const id = p.comment?.user?.id;
  const said = { commandLine: commandLineOf(p.comment?.body), commentId, actor, ...actorIdField(id) };
  const commentAt = p.comment?.created_at;
  return { said, dated: { ...said, ...(commentAt ? { commentAt } : {}) } };
}

type Written = ReturnType<typeof writtenComment>;

/** A pull request comment's command, help aside, as the job it asks for. */
function pullRequestCommandSpec(cmd: Command, { said, dated }: Written, viaAtlantis: boolean): JobSpec | undefined {
  switch (cmd.kind) {
    case "plan":
      return { kind: "plan", trigger: "comment", command: cmd, ...said, viaAtlantis };
    case "drift":
      return driftCommandSpec(cmd, dated);
    case "apply":
      return { kind: "apply", trigger: "comment", command: cmd, ...dated, viaAtlantis };
    case "import":
    case "state_rm":
    case "state_push":
      return { kind: "state", command: cmd, ...dated, viaAtlantis };
    case "applies":
      return { kind: "applies", command: cmd, ...dated };
    case "preview": {
      const { action, filter, extendMs } = cmd;
      return { kind: "preview", action, project: filter.project, extendMs, ...said };
    }
    case "approve_policies":
      // Its id too: the head's pusher, heard by id, may comment under a login renamed since.
      return { kind: "approve_policies", command: cmd, ...dated, viaAtlantis };
    case "unlock":
      return { kind: "unlock", command: cmd, ...dated, viaAtlantis };
    default:
      return undefined;
  }
}

/**
 * A comment on a plain issue: `/drift` and `/applies` anywhere, `/apply` on a drift issue; everything
 * else is left alone.
 */
export function issueCommentToJob(p: Payload, actor: string, settings: IngressSettings): IngressDecision {
  const user = p.comment?.user;
  if (user?.type === "Bot" || user?.login?.endsWith("[bot]")) return { ignore: "comment by a bot" };
  const issue = p.issue?.number;
  const commentId = p.comment?.id;
  if (!issue || !commentId) return { ignore: "comment without issue number or id" };
  const parsed = parseComment(p.comment?.body ?? "");
  const target = targetOf(p, issue);
  const isDriftIssue = mayBeDriftIssue(p, DRIFT_LABEL);
  if (parsed.type === "invalid") {
    // Other bots answer slash commands on issues too: only what is clearly ours gets a reply.
    const [w1, w2] = commandLineOf(p.comment?.body).split(/\s+/, 2);
    const is = (word: string) => w1 === `/${word}` || (w1 === "sluice" && w2 === word);
    const ours = is("drift") || is("applies") || (isDriftIssue && (is("apply") || is("state") || is("import")));
    if (!ours || typeof target === "string") return { ignore: "comment on an issue, not a pull request" };
    return { job: { target, spec: { kind: "reply", body: "invalid", reason: parsed.reason, commentId, actor: user?.login ?? actor } } };
  }
  if (parsed.type !== "command") return { ignore: "comment on an issue, not a pull request" };
  if (typeof target === "string") return { ignore: target };
  const cmd = parsed.command;
  const by = user?.login ?? actor;
  const word = COMMAND_WORD[cmd.kind] ?? cmd.kind;
  if (
    (cmd.kind === "drift" || cmd.kind === "applies" || (cmd.kind === "apply" && isDriftIssue)) &&
    settings.allowCommands &&
    !settings.allowCommands.includes(word)
  ) {
    const reason = disabledReason(word, settings.allowCommands);
    return { job: { target, spec: { kind: "reply", body: "invalid", reason, commentId, actor: by } } };
  }
  const { dated } = writtenComment(p, commentId, by);
  if (cmd.kind === "drift") return { job: { target, spec: driftCommandSpec(cmd, dated) } };
  if (cmd.kind === "applies") return { job: { target, spec: { kind: "applies", command: cmd, ...dated } } };
  if (cmd.kind === "apply" && isDriftIssue) return { job: { target, spec: { kind: "drift-apply", command: cmd, ...dated } } };
  // A drift issue is where Sluice says a project is held and to push its kept state: the command is
  // answered there, never dropped, with where it runs.
  if (isDriftIssue && (cmd.kind === "state_push" || cmd.kind === "state_rm" || cmd.kind === "import")) {
    const disabled = settings.allowCommands && !settings.allowCommands.includes(word);
    const reason = disabled ? disabledReason(word, settings.allowCommands ?? []) : STATE_ON_AN_ISSUE;
    return { job: { target, spec: { kind: "reply", body: "invalid", reason, commentId, actor: by } } };
  }
  return { ignore: "comment on an issue, not a pull request" };
}

const STATE_ON_AN_ISSUE =
  "`/state push-errored`, `/import` and `/state rm` run on an open pull request, not on an issue: Sluice sets the project up from that pull request's checkout, with the backend its plans use. Comment it on an open pull request of this repository that leaves the project's backend as it is (one that changes nothing else will do); a held project stays held until then.";

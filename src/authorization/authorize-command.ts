import type { Permission } from "../model/pull-request.js";
import { actorOf, type Job } from "../model/job.js";
import { jobPeople, namesAccount } from "../policy/named-people.js";
import { repoFullName } from "../model/repo.js";
import { checkCommandPermission } from "../policy/check-command-permission.js";
import type { Decision } from "../policy/decision.js";
import { escapeText } from "../render/escape-text.js";
import { inlineCode } from "../render/inline.js";
import { KeyedMutex } from "../util/keyed-mutex.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { memberOfTeams } from "./apply-teams.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { secretsFor } from "../job-context/secrets.js";
import { jobMarker, parseComment, printComment, printMarker } from "../render/comment-body.js";

/**
 * Asks GitHub who the commenter is to this repo before anything is cloned, planned or locked: a
 * command from a user without the permission runs nothing and takes nothing.
 */
export async function authorizeCommand(
  vcs: VcsClient,
  deps: Pick<JobDeps, "config" | "store" | "log">,
  job: Job,
  verb: string,
  needed: Permission,
): Promise<Decision> {
  const actor = job.spec.actor;
  // Someone the console signed in without GitHub: the role it checked stands for GitHub's answer.
  const grant = "grant" in job.spec ? job.spec.grant : undefined;
  const permission = grant ?? (await vcs.permissionOf(job.target.repo, actor));
  // By account id: whoever registers a login an apply user gave up is not them.
  const named = await namesAccount(jobPeople(deps, vcs), deps.config.apply_users, actorOf(job.spec));
  const enough = checkCommandPermission(verb, { user: actor, permission, allowedByServer: named, needed });
  // Teams are asked about only when the repo permission is not enough: no extra calls for most users.
  if (enough.allowed || deps.config.apply_teams.length === 0) return enough;
  const team = await memberOfTeams(vcs, deps.config.apply_teams, actor);
  return checkCommandPermission(verb, { user: actor, permission, allowedByServer: team !== undefined, needed });
}

/** The marker of a user's one refusal comment on a PR (the login folded: GitHub logins ignore case). */
export const refusalMarker = (actor: string) => jobMarker(`refused-${actor.toLowerCase()}`);

/** Refusals of one user on one PR, one at a time in this process: the count is read, then written. */
const perUser = new KeyedMutex();

/**
 * Answers a command refused for permission without burying the PR: each user gets at most one
 * refusal comment per PR, edited in place with a count and the latest refusal, so a user who
 * repeats a command (or a flood of them) never pushes the PR's plan up out of sight. The
 * command's comment gets a 👎.
 */
export async function replyRefused(vcs: VcsClient, deps: Pick<JobDeps, "redaction">, job: Job, text: string): Promise<void> {
  const { repo, pr } = job.target;
  const actor = job.spec.actor;
  const redact = secretsFor(deps).redact;
  const marker = refusalMarker(actor);
  const command = "commandLine" in job.spec ? job.spec.commandLine : undefined;
  await perUser.run(`${repoFullName(repo)}#${pr} ${actor.toLowerCase()}`, async () => {
    const earlier = await vcs.ownComment(repo, pr, printMarker(marker));
    const count = (parseComment(earlier?.body ?? "")?.refusals ?? 0) + 1;
    const times = count === 1 ? "once" : `${count} times`;
    const shown = [
      `**Sluice** · ⛔ refused @\u200b${escapeText(actor)}'s commands on this pull request ${times}. One comment per user, edited in place however often it happens.`,
      "",
      `Latest${command ? ` (${inlineCode(redact(command))})` : ""}: ${escapeText(redact(text))}`,
    ].join("\n");
    const body = printComment({ marker, refusals: count, text: shown });
    if (earlier) await vcs.updateComment(repo, earlier.id, body);
    // Another replica may have written it meanwhile: then that one is found and kept.
    else await vcs.createComment(repo, pr, body, { mayExist: true });
  });
  const commentId = "commentId" in job.spec ? job.spec.commentId : undefined;
  if (typeof commentId === "number") await vcs.react(repo, commentId, "-1").catch(() => undefined);
}

import type { JobContext } from "../job-context/job-context.js";
import type { Job } from "../model/job.js";
import { ALLOWED, type Decision, refuse } from "../policy/decision.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { secretsFor } from "../job-context/secrets.js";
import { firstLineIsCode } from "../command/parse-comment.js";
import { firstLine } from "../ingress/ingress-payload.js";
import { jobMarker, printComment } from "../render/comment-body.js";
import { escapeText } from "../render/escape-text.js";
import { inlineCode } from "../render/inline.js";
import { errorMessage } from "../util/errors.js";

export type Withdrawal = "deleted" | "edited";

/**
 * Pure: whether the comment that asked for a command still asks for it. A webhook's body is the
 * comment as it was written; GitHub redelivers a failed delivery days later (its docs tell
 * operators to), when its writer may have deleted it, or edited its command away.
 */
export function withdrawal(now: { body?: string } | undefined, commandLine: string | undefined): Withdrawal | undefined {
  if (now === undefined) return "deleted";
  if (commandLine === undefined || now.body === undefined) return undefined;
  // Indented into a code block, the same words are shown as an example, no longer said.
  if (firstLine(now.body) !== commandLine || firstLineIsCode(now.body)) return "edited";
  return undefined;
}

/** The comment that asked for `job` and the command line it said; none for a job no comment asked for. */
function askedBy(job: Job): { commentId: number; commandLine?: string } | undefined {
  const spec = job.spec;
  // A reply to `/help` or to a malformed command changes nothing: no need to ask.
  if (spec.kind === "reply" || !("commentId" in spec) || typeof spec.commentId !== "number") return undefined;
  return { commentId: spec.commentId, commandLine: "commandLine" in spec ? spec.commandLine : undefined };
}

/** Whether `job`'s comment was withdrawn since it was written, read from GitHub now; throws when GitHub does not answer. */
async function withdrawnNow(vcs: VcsClient, job: Job): Promise<Withdrawal | undefined> {
  const asked = askedBy(job);
  if (!asked) return undefined;
  return withdrawal(await vcs.comment(job.target.repo, asked.commentId), asked.commandLine);
}

/**
 * A job a comment asked for runs only while that comment still says so: one deleted, or whose
 * command line was edited, since it was written runs nothing and is answered on the PR (its
 * writer withdrew it; an edit is not a command of its own either, see docs/commands.md).
 */
export async function commandStillSaid(ctx: JobContext): Promise<boolean> {
  const { job, deps, vcs } = ctx;
  const spec = job.spec;
  const asked = askedBy(job);
  if (!asked) return true;
  const { commandLine } = asked;
  const logged = { jobId: job.id, deliveryId: job.deliveryId, commentId: asked.commentId, kind: spec.kind };
  let withdrawn: Withdrawal | undefined;
  try {
    withdrawn = await withdrawnNow(vcs, job);
  } catch (e) {
    // Unread (the adapter's retries spent), the comment may be withdrawn: run nothing, and say so
    // rather than fail the job in silence; the job is not retried, so no storm of reads follows.
    deps.log.warn({ ...logged, err: errorMessage(e) }, "the comment that asked for this job could not be read: nothing done");
    await notRun(ctx, { commandLine, actor: spec.actor }, "GitHub did not answer whether its comment still says it");
    return false;
  }
  if (withdrawn === undefined) return true;
  deps.log.info(logged, `the comment that asked for this job was ${withdrawn} before it ran: nothing done`);
  await notRun(ctx, { commandLine, actor: spec.actor }, `its comment was ${withdrawn} before Sluice got to it`);
  return false;
}

/**
 * For a job that acts for a while after it started (an apply, project after project, each maybe
 * waiting for its run lock): whether its comment still says it, read again each time it is asked
 * (asked again while a read is on its way, as the projects of one wave are, it shares that read).
 */
export function commandStillAsked(vcs: VcsClient, job: Job): () => Promise<Decision> {
  let reading: Promise<Decision> | undefined;
  return () => {
    if (!askedBy(job)) return Promise.resolve(ALLOWED);
    if (reading) return reading;
    const read = withdrawnNow(vcs, job).then(
      (w) => (w === undefined ? ALLOWED : refuse(`its comment was ${w} while the command ran: not applied`)),
      // Unread, it may be withdrawn: fail closed, as at the job's start.
      () => refuse("GitHub did not answer whether the command's comment still says it: not applied"),
    );
    reading = read;
    void read.finally(() => {
      if (reading === read) reading = undefined;
    });
    return read;
  };
}

async function notRun(ctx: JobContext, asked: { commandLine?: string; actor: string }, why: string): Promise<void> {
  const { job, deps, vcs } = ctx;
  const { commandLine, actor } = asked;
  const { redact } = secretsFor(deps);
  const what = commandLine === undefined ? "The command" : inlineCode(redact(commandLine));
  const text = `**Sluice** · ℹ️ ${what} by @\u200b${escapeText(actor)} was not run: ${why}. Comment the command again to run it.`;
  await vcs.createComment(job.target.repo, job.target.pr, printComment({ marker: jobMarker(`withdrawn-${job.id}`), text }), {
    mayExist: true,
  });
}

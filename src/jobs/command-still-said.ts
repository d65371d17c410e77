import type { JobContext } from "../job-context/job-context.js";
import { askedBy, type Withdrawal, withdrawnNow } from "../authorization/command-still-asked.js";
import { secretsFor } from "../job-context/secrets.js";
import { jobMarker, printComment } from "../render/comment-body.js";
import { escapeText } from "../render/escape-text.js";
import { inlineCode } from "../render/inline.js";
import { errorMessage } from "../util/errors.js";

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

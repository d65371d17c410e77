import type { Job } from "../model/job.js";
import { ALLOWED, type Decision, refuse } from "../policy/decision.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { commandLineOf, firstLineIsCode } from "../command/parse-comment.js";

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
  if (commandLineOf(now.body) !== commandLine || firstLineIsCode(now.body)) return "edited";
  return undefined;
}

/** The comment that asked for `job` and the command line it said; none for a job no comment asked for. */
export function askedBy(job: Job): { commentId: number; commandLine?: string } | undefined {
  const spec = job.spec;
  // A reply to `/help` or to a malformed command changes nothing: no need to ask.
  if (spec.kind === "reply" || !("commentId" in spec) || typeof spec.commentId !== "number") return undefined;
  return { commentId: spec.commentId, commandLine: "commandLine" in spec ? spec.commandLine : undefined };
}

/** Whether `job`'s comment was withdrawn since it was written, read from GitHub now; throws when GitHub does not answer. */
export async function withdrawnNow(vcs: VcsClient, job: Job): Promise<Withdrawal | undefined> {
  const asked = askedBy(job);
  if (!asked) return undefined;
  return withdrawal(await vcs.comment(job.target.repo, asked.commentId), asked.commandLine);
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

import type { JobContext } from "../../job-context/job-context.js";
import type { LastApply } from "../../model/destroy-schedule.js";
import type { Project } from "../../model/project.js";
import { repoFullName } from "../../model/repo.js";
import { jobMarker, printMarker } from "../../render/comment-body.js";
import { cutText } from "../../render/cut-text.js";
import { escapeText } from "../../render/escape-text.js";
import { fence } from "../../render/fence.js";
import { inlineCode } from "../../render/inline.js";
import { errorMessage } from "../../util/errors.js";
import type { ScheduledDestroyOutcome } from "./destroy-scheduled-workspace.js";

export interface ScheduledDestroyResult {
  project: Project;
  reason: string;
  last: LastApply | undefined;
  outcome: ScheduledDestroyOutcome;
  head: { name: string; sha: string };
  /** Which attempt this was (1 for the first). */
  attempt: number;
  /** A failure's or refusal's next attempt (epoch ms): from then on, at the next hourly check. */
  nextAt?: number;
  /** Whether to post it: a failure that says what the attempt before it said is only logged. */
  post: boolean;
  /** The issue an earlier report of this destroy opened (no pull request applied it): said there again. */
  issue?: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

/** The text of a scheduled destroy's report (pure; values escaped). */
export function scheduledDestroyText(r: Omit<ScheduledDestroyResult, "post">): string {
  const what = `${inlineCode(r.project.name)} (workspace ${inlineCode(r.project.workspace)})`;
  const at = `${inlineCode(r.head.name)} at ${r.head.sha.slice(0, 7)}`;
  if (r.outcome.ok) {
    const tries = r.attempt > 1 ? ` on attempt ${r.attempt}` : "";
    return `**Sluice** · 🗑️ scheduled destroy of ${what}: destroyed${tries} (${r.outcome.counts}), because ${r.reason}. Planned from ${at}. An apply brings it back; its schedule then counts again.`;
  }
  const head = r.outcome.refused ? `⛔ scheduled destroy of ${what} was refused` : `❌ scheduled destroy of ${what} failed`;
  const next = r.nextAt === undefined ? "It is tried again" : `It is tried again from ${iso(r.nextAt)}`;
  // The first line is the sentence; the tool's diagnostics after it are shown as they are, fenced.
  const [summary = "", ...rest] = r.outcome.message.split("\n");
  const detail = rest.join("\n").trim();
  const shown = detail ? `\n\n${fence(cutText(detail, 4000))}` : "";
  return `**Sluice** · ${head} (attempt ${r.attempt}), because ${r.reason}: ${escapeText(summary, 2000)}. ${next}; each failed attempt waits twice as long as the one before (1 h, 2 h, 4 h …, at most a day). The same failure is not said here again; a different one, or the destroy, is.${shown}`;
}

/**
 * Says what a scheduled destroy did where people look: on the pull request that last applied the
 * workspace, or, when it was applied otherwise (a drift issue, reconcile), in a new issue. Always
 * logged; posted when `post` says so (a failure or refusal repeating the one before it is not:
 * the next attempt may be a day away, and the thread would fill with the same words); a failure
 * to post is logged too, never fatal.
 */
export async function reportScheduledDestroy(ctx: JobContext, r: ScheduledDestroyResult): Promise<{ issue?: number; posted: boolean }> {
  const { job, deps, vcs, secrets } = ctx;
  const repo = job.target.repo;
  const fields = { jobId: job.id, repo: repoFullName(repo), project: r.project.name, workspace: r.project.workspace };
  const tries = { ...fields, attempt: r.attempt, ...(r.nextAt === undefined ? {} : { nextAttemptAt: iso(r.nextAt) }) };
  if (r.outcome.ok) deps.log.info(tries, `scheduled destroy done: ${r.reason}`);
  else deps.log.warn(tries, `scheduled destroy failed: ${secrets.redact(r.outcome.message)}`);
  if (!r.post) return { issue: r.issue, posted: false };
  // The job's own marker first: a comment Sluice posts is always known as its own.
  const body = `${printMarker(jobMarker(job.id))}\n${secrets.redact(scheduledDestroyText(r))}`;
  const pr = r.last && (r.last.source === "pr" || r.last.source === "merge") && r.last.number > 0 ? r.last.number : undefined;
  try {
    if (pr !== undefined) {
      await vcs.createComment(repo, pr, body);
      return { posted: true };
    }
    // No pull request to tell: an issue, one per destroy. A failure's issue gets the later
    // reports as comments, and is closed by the destroy: the problem it tracked is over.
    if (r.issue === undefined) {
      const opened = await vcs.createIssue(repo, {
        title: `Scheduled destroy of ${r.project.name} (${r.project.workspace})`,
        body,
        labels: [],
      });
      return { issue: opened.number, posted: true };
    }
    await vcs.createComment(repo, r.issue, body);
    if (r.outcome.ok) await vcs.updateIssue(repo, r.issue, { state: "closed" });
    return { issue: r.issue, posted: true };
  } catch (e) {
    deps.log.warn({ ...fields, err: errorMessage(e) }, "could not post the scheduled destroy's report");
  }
  return { issue: r.issue, posted: false };
}

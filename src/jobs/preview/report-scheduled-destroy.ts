import type { JobContext } from "../../job-context/job-context.js";
import type { LastApply } from "../../model/destroy-schedule.js";
import type { Project } from "../../model/project.js";
import { repoFullName } from "../../model/repo.js";
import { jobMarker, printMarker } from "../../render/comment-body.js";
import { escapeText } from "../../render/escape-text.js";
import { inlineCode } from "../../render/inline.js";
import { errorMessage } from "../../util/errors.js";

export interface ScheduledDestroyResult {
  project: Project;
  reason: string;
  last: LastApply | undefined;
  outcome: { ok: true; counts: string } | { ok: false; message: string };
  head: { name: string; sha: string };
}

/** The text of a scheduled destroy's report (pure; values escaped). */
export function scheduledDestroyText(r: ScheduledDestroyResult): string {
  const what = `${inlineCode(r.project.name)} (workspace ${inlineCode(r.project.workspace)})`;
  const at = `${inlineCode(r.head.name)} at ${r.head.sha.slice(0, 7)}`;
  return r.outcome.ok
    ? `**Sluice** · 🗑️ scheduled destroy of ${what}: destroyed (${r.outcome.counts}), because ${r.reason}. Planned from ${at}. An apply brings it back; its schedule then counts again.`
    : `**Sluice** · ❌ scheduled destroy of ${what} failed, because ${r.reason}: ${escapeText(r.outcome.message, 2000)}. It is tried again within the hour.`;
}

/**
 * Says what a scheduled destroy did where people look: on the pull request that last applied the
 * workspace, or, when it was applied otherwise (a drift issue, reconcile), in a new issue. Always
 * logged; refusals only logged; a failure to post is logged too, never fatal.
 */
export async function reportScheduledDestroy(ctx: JobContext, r: ScheduledDestroyResult): Promise<void> {
  const { job, deps, vcs, secrets } = ctx;
  const repo = job.target.repo;
  const fields = { jobId: job.id, repo: repoFullName(repo), project: r.project.name, workspace: r.project.workspace };
  if (r.outcome.ok) deps.log.info(fields, `scheduled destroy done: ${r.reason}`);
  else deps.log.warn(fields, `scheduled destroy failed: ${r.outcome.message}`);
  // A refusal (a pause, an apply window) is tried again every hour: logged, not posted every time.
  if (!r.outcome.ok && r.outcome.message.startsWith("⛔")) return;
  // The job's own marker first: a comment Sluice posts is always known as its own.
  const body = `${printMarker(jobMarker(job.id))}\n${secrets.redact(scheduledDestroyText(r))}`;
  const pr = r.last && (r.last.source === "pr" || r.last.source === "merge") && r.last.number > 0 ? r.last.number : undefined;
  try {
    if (pr !== undefined) await vcs.createComment(repo, pr, body);
    // No pull request to tell: an issue.
    else await vcs.createIssue(repo, { title: `Scheduled destroy of ${r.project.name} (${r.project.workspace})`, body, labels: [] });
  } catch (e) {
    deps.log.warn({ ...fields, err: errorMessage(e) }, "could not post the scheduled destroy's report");
  }
}

import type { ProjectResult } from "../model/project-result.js";
import { renderCheck } from "../render/render-check.js";
import { type CommentInput, markerFor, renderComments } from "../render/render-comment.js";
import type { Job } from "../model/job.js";
import { type VcsClient, VcsError } from "../vcs/vcs-client.js";
import type { JobDeps } from "./job-deps.js";
import type { Secrets } from "./secrets.js";
import { applyActions } from "./check-actions.js";

export interface Progress {
  state: CommentInput["state"];
  results: ProjectResult[];
  pending?: string[];
  notice?: string;
  /** Forces a failed check (e.g. a selection error) even without project results. */
  failed?: boolean;
  tone?: "info" | "refused" | "failed";
  /** The repo applies on comment: a successful plan with changes offers the check run's "Apply" button. */
  applyButton?: boolean;
}

const CHECK_NAME = { plan: "sluice/plan", apply: "sluice/apply" } as const;

/**
 * One comment per command, edited in place as the job moves on; the ids live in the job row so a
 * restarted job edits the same comments. Also owns the job's check run.
 */
export function createCommentPublisher(
  vcs: VcsClient,
  deps: JobDeps,
  job: Job,
  fixed: {
    command: "plan" | "apply";
    headSha: string;
    trigger: { text: string; user: string };
    maxComments: number;
    /** The job's redaction, read at each post: it grows as the job learns secrets. */
    secrets: Pick<Secrets, "redact">;
  },
) {
  const { repo, pr } = job.target;
  const commentIds = [...job.commentIds];
  let checkRunId = job.checkRunId;

  const input = (p: Progress): CommentInput => ({
    jobId: String(job.id),
    command: fixed.command,
    state: p.state,
    headSha: fixed.headSha,
    triggerText: fixed.trigger.text,
    triggerUser: fixed.trigger.user,
    results: p.results,
    pending: p.pending,
    notice: p.notice,
    tone: p.tone ?? (p.failed ? "failed" : undefined),
    logUrl: deps.publicUrl ? `${deps.publicUrl}/jobs/${job.id}` : undefined,
  });

  /** Check updates may be started without waiting: they still reach GitHub in order. */
  let checkTail: Promise<unknown> = Promise.resolve();

  async function updateCheck(p: Progress): Promise<void> {
    const redact = fixed.secrets.redact;
    const rendered = renderCheck(input(p), redact);
    const update =
      p.state === "done"
        ? {
            status: "completed" as const,
            conclusion: p.failed ? ("failure" as const) : rendered.conclusion,
            title: rendered.title,
            summary: rendered.summary,
            ...(fixed.command === "plan" ? { actions: applyActions(p, rendered.conclusion) } : {}),
          }
        : {
            status: p.state === "queued" ? ("queued" as const) : ("in_progress" as const),
            title: rendered.title,
            summary: rendered.summary,
          };
    if (checkRunId === undefined) {
      checkRunId = await vcs.createCheck(repo, CHECK_NAME[fixed.command], fixed.headSha, update, `sluice-job-${job.id}`);
      await deps.store.updateJob(job.id, { checkRunId });
    } else {
      await vcs.updateCheck(repo, checkRunId, update);
    }
  }

  return {
    async publish(p: Progress): Promise<void> {
      const redact = fixed.secrets.redact;
      const bodies = renderComments(input(p), redact, { maxComments: fixed.maxComments });
      for (const [i, body] of bodies.entries()) {
        const id = commentIds[i];
        if (id !== undefined) {
          await vcs.updateComment(repo, id, body);
        } else {
          commentIds.push(await vcs.createComment(repo, pr, body));
          await deps.store.updateJob(job.id, { commentIds });
        }
      }
      // An earlier, longer version of this comment had more parts: empty the ones now unused.
      for (const [i, id] of commentIds.entries()) {
        if (i < bodies.length) continue;
        await vcs.updateComment(repo, id, `${markerFor(String(job.id), i + 1)}\n_(this part is no longer used)_`);
      }
    },
    /**
     * A fault (GitHub, git, disk) still ends the comment and the check, with the reason; what
     * cannot be posted now is left, since the worker logs the fault with the delivery id.
     */
    async fault(e: unknown): Promise<void> {
      const detail = e instanceof Error && "output" in e && e.output ? `\n${String(e.output)}` : "";
      const notice = `Sluice could not finish this ${fixed.command}: ${e instanceof Error ? e.message : String(e)}${detail}`;
      await this.publish({ state: "done", results: [], notice, tone: "failed" }).catch(() => undefined);
      await this.check({ state: "done", results: [], notice, failed: true }).catch(() => undefined);
    },
    /**
     * The final comment and check. When GitHub stays down longer than one call's retries, keep
     * trying for a while: the work (an apply!) is done and must not be lost or re-run.
     */
    async final(p: Progress): Promise<void> {
      const { baseMs, forMs } = deps.reportRetry;
      const deadline = Date.now() + forMs;
      for (let attempt = 0; ; attempt++) {
        try {
          await this.publish(p);
          await this.check(p);
          return;
        } catch (e) {
          const retryable = e instanceof VcsError && e.retryable;
          if (!retryable || Date.now() >= deadline) throw e;
          const delay = Math.min(60_000, baseMs * 2 ** Math.min(attempt, 10));
          deps.log.warn(
            { jobId: job.id, deliveryId: job.deliveryId, delayMs: delay },
            `posting the result failed, trying again: ${e.message}`,
          );
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    },
    check(p: Progress): Promise<void> {
      const run = checkTail.then(() => updateCheck(p));
      checkTail = run.catch(() => undefined);
      return run;
    },
  };
}

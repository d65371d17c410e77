import type { ProjectResult } from "../model/project-result.js";
import { renderCheck } from "../render/render-check.js";
import { type CommentInput, renderComments } from "../render/render-comment.js";
import type { Job } from "../model/job.js";
import type { JobResult } from "../model/job-result.js";
import { type CheckUpdate, type VcsClient, VcsError } from "../vcs/vcs-client.js";
import type { Store } from "../store/store.js";
import type { Redactor } from "../util/redact.js";
import { applyActions } from "./check-actions.js";
import { collapseReplacedParts } from "./collapse-replaced-parts.js";
import { KeyedMutex } from "../util/keyed-mutex.js";
import { errorMessage } from "../util/errors.js";
import { jobMarker, printComment } from "../render/comment-body.js";

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

/** How a job's answers reach GitHub: how long a finished job keeps trying while GitHub is down, links to the console. */
export interface Reporting {
  retry: { baseMs: number; forMs: number };
  /** SLUICE_PUBLIC_URL without a trailing slash: comments link to the console's job pages. */
  publicUrl?: string;
}

/** What posting needs of the app: the job's row (its comment ids and result), a log, the reporting settings. */
export interface PublishDeps {
  store: Pick<Store, "updateJob" | "saveResult" | "markResultPosted">;
  log: { warn(obj: object, msg: string): void };
  reporting: Reporting;
}

/** What a publisher is fixed to for the whole job. */
export interface PublisherFixed {
  command: "plan" | "apply";
  headSha: string;
  trigger: { text: string; user: string };
  maxComments: number;
  /** The job's redaction, read at each post: it grows as the job learns secrets. */
  secrets: { redact: Redactor };
}

export type Publisher = ReturnType<typeof createCommentPublisher>;

/**
 * Posts a job's comment parts and check run, editing those the job already has (their ids live in
 * the job row, so another process edits the same ones). `mayExist`: a replica that died may have
 * created a part without recording its id, so look for it (by its marker) before creating it.
 */
export function createResultPoster(vcs: VcsClient, deps: Pick<PublishDeps, "store">, job: Job, opts: { mayExist?: boolean } = {}) {
  const { repo, pr } = job.target;
  const commentIds = [...job.commentIds];
  let checkRunId = job.checkRunId;
  return {
    /**
     * Returns when GitHub says the last part was written (its clock), when every part was an edit
     * it answered with a time: a part created now has none (undefined then).
     */
    async comments(bodies: string[]): Promise<string | undefined> {
      const times: (string | undefined)[] = [];
      for (const [i, body] of bodies.entries()) {
        const id = commentIds[i];
        if (id !== undefined) {
          times.push((await vcs.updateComment(repo, id, body)).updatedAt);
        } else {
          const created = await vcs.createComment(repo, pr, body, { mayExist: opts.mayExist });
          commentIds.push(created);
          await deps.store.updateJob(job.id, { commentIds });
          // Found rather than created, it may still show an earlier state.
          times.push(opts.mayExist ? (await vcs.updateComment(repo, created, body)).updatedAt : undefined);
        }
      }
      // An earlier, longer version of this comment had more parts: empty the ones now unused.
      for (const [i, id] of commentIds.entries()) {
        if (i < bodies.length) continue;
        await vcs.updateComment(repo, id, printComment({ marker: jobMarker(job.id, i + 1), text: "_(this part is no longer used)_" }));
      }
      return latestStamp(times);
    },
    async check(command: JobResult["command"], headSha: string, update: CheckUpdate): Promise<void> {
      if (checkRunId === undefined) {
        checkRunId = await vcs.createCheck(repo, CHECK_NAME[command], headSha, update, `sluice-job-${job.id}`);
        await deps.store.updateJob(job.id, { checkRunId });
      } else {
        await vcs.updateCheck(repo, checkRunId, update);
      }
    },
  };
}

/**
 * One comment per command, edited in place as the job moves on; the ids live in the job row so a
 * restarted job edits the same comments. Also owns the job's check run.
 */
export function createCommentPublisher(vcs: VcsClient, deps: PublishDeps, job: Job, fixed: PublisherFixed) {
  const poster = createResultPoster(vcs, deps, job);

  const input = (p: Progress) => commentInput(job, fixed, deps.reporting.publicUrl, p);

  /** A push replaced every older plan: their continuation comments are stale now (best effort). */
  async function collapseOlder(): Promise<void> {
    if (fixed.command !== "plan" || fixed.trigger.text !== "autoplan") return;
    await collapseReplacedParts(vcs, job.target.repo, job.target.pr, job.id).catch((e: unknown) =>
      deps.log.warn({ jobId: job.id }, `collapsing older plan comments failed: ${errorMessage(e)}`),
    );
  }

  /** Comment and check updates may be started without waiting: each kind still reaches GitHub in order. */
  const inOrder = new KeyedMutex();

  const checkUpdate = (p: Progress) => checkUpdateOf(input(p), fixed, p);

  /** The final answer as it will be posted: rendered and redacted once, so what is stored is what is posted. */
  function resultOf(p: Progress): JobResult {
    const check = checkUpdate({ ...p, state: "done" });
    return {
      command: fixed.command,
      headSha: fixed.headSha,
      comments: renderComments(input(p), fixed.secrets.redact, { maxComments: fixed.maxComments }),
      check: { ...check, status: "completed", conclusion: check.conclusion ?? "neutral" },
    };
  }

  async function postFinal(result: JobResult): Promise<string | undefined> {
    const shownAt = await inOrder.run("comments", () => poster.comments(result.comments));
    await inOrder.run("check", () => poster.check(result.command, result.headSha, result.check));
    return shownAt;
  }

  return {
    /** The final answer for `p`, rendered and redacted as `final` would store and post it. */
    render: resultOf,
    publish(p: Progress): Promise<void> {
      // Rendered when its turn comes: the redaction may have grown meanwhile.
      return inOrder.run("comments", async () => {
        await poster.comments(renderComments(input(p), fixed.secrets.redact, { maxComments: fixed.maxComments }));
      });
    },
    /**
     * A fault (GitHub, git, disk) still ends the comment and the check, with the reason; what
     * cannot be posted now is left, since the worker logs the fault with the delivery id.
     */
    async fault(e: unknown): Promise<void> {
      const detail = e instanceof Error && "output" in e && e.output ? `\n${String(e.output)}` : "";
      const notice = `Sluice could not finish this ${fixed.command}: ${errorMessage(e)}${detail}`;
      await this.publish({ state: "done", results: [], notice, tone: "failed" }).catch(() => undefined);
      await this.check({ state: "done", results: [], notice, failed: true }).catch(() => undefined);
    },
    /**
     * The final comment and check. Stored first (the outbox): if this replica dies before GitHub
     * has them, another one posts them, and the job is not run again. When GitHub stays down longer
     * than one call's retries, keep trying for a while: the work (an apply!) is done and must not
     * be lost or re-run.
     */
    async final(p: Progress): Promise<void> {
      const result = resultOf(p);
      await deps.store.saveResult(job.id, result);
      await untilPosted(deps, job, async () => {
        await deps.store.markResultPosted(job.id, await postFinal(result));
        await collapseOlder();
      });
    },
    async check(p: Progress): Promise<void> {
      await inOrder.run("check", () => poster.check(fixed.command, fixed.headSha, checkUpdate(p)));
      if (p.state === "done") await collapseOlder();
    },
  };
}

/** What the templates render of a job's progress. */
function commentInput(job: Job, fixed: PublisherFixed, publicUrl: string | undefined, p: Progress): CommentInput {
  return {
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
    logUrl: publicUrl ? `${publicUrl}/jobs/${job.id}` : undefined,
  };
}

/** The check run's update for a job's progress: completed with the Apply button (a plan's) once done. */
function checkUpdateOf(input: CommentInput, fixed: PublisherFixed, p: Progress): CheckUpdate {
  const rendered = renderCheck(input, fixed.secrets.redact);
  return p.state === "done"
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
}

/**
 * Posts a finished job's answer, trying again while GitHub answers with a retryable error, for up
 * to `reporting.retry.forMs` (backing off up to a minute a try); any other error is thrown at once.
 */
async function untilPosted(deps: PublishDeps, job: Job, post: () => Promise<void>): Promise<void> {
  const { baseMs, forMs } = deps.reporting.retry;
  const deadline = Date.now() + forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await post();
    } catch (e) {
      const retryable = e instanceof VcsError && e.retryable;
      if (!retryable || Date.now() >= deadline) throw e;
      const delay = Math.min(60_000, baseMs * 2 ** Math.min(attempt, 10));
      deps.log.warn({ jobId: job.id, deliveryId: job.deliveryId, delayMs: delay }, `posting the result failed, trying again: ${e.message}`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The latest of GitHub's stamps, or undefined when any is missing (or none was given). */
function latestStamp(times: readonly (string | undefined)[]): string | undefined {
  if (times.length === 0 || times.some((t) => t === undefined || !Number.isFinite(Date.parse(t)))) return undefined;
  return (times as string[]).reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

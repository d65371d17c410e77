import type { Job, JobSpec, JobWith } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import type { Checkout, CheckoutRequest } from "../workspace/workspace.js";
import { createCommentPublisher, type Publisher, type PublisherFixed } from "../job-output/publish-comments.js";
import { jobMarker, printComment } from "../render/comment-body.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import type { JobDeps } from "./job-deps.js";
import { type Secrets, secretsFor } from "./secrets.js";

/**
 * What one job works with, made once by the dispatcher: the job (its spec narrowed to its kind),
 * the installation's VCS client, the job's growing redaction, its comment and check (publisher),
 * the short reply, and checkouts that are all released when the job ends, however it ends.
 */
export interface JobContext<S extends JobSpec = JobSpec> {
  job: JobWith<S>;
  deps: JobDeps;
  vcs: VcsClient;
  secrets: Secrets;
  /**
   * The job's one short answer (a refusal, "released 2 locks", usage): posted redacted on the
   * job's PR or issue unless the job has its comment already (a job run again after a restart
   * answers once). A job for no PR or issue (pr 0: the console's or the API's drift resume)
   * answers in its log, which the console shows on the job's page.
   */
  reply(text: string): Promise<void>;
  /** The job's comment and check run (plans and applies), edited in place as the job moves on. */
  publisher(fixed: Omit<PublisherFixed, "maxComments" | "secrets">): Publisher;
  /** A worktree held until the job ends. */
  checkout(req: CheckoutRequest): Promise<Checkout>;
  /** A worktree of a branch's tip (drift: the default branch), held until the job ends. */
  checkoutBranchHead(req: Parameters<JobDeps["workspace"]["checkoutBranchHead"]>[0]): Promise<Checkout>;
}

/** The log stream a job for no PR or issue answers in. */
const ANSWER_STREAM = "answer";

/** The context with its end: `close` releases every checkout the job took. */
export interface OpenJobContext extends JobContext {
  close(): void;
}

/** `vcs`: the client of a context this one is part of (a merge's apply inside the PR's cleanup). */
export async function openJobContext(job: Job, deps: JobDeps, given?: VcsClient): Promise<OpenJobContext> {
  const vcs = given ?? (await deps.vcsFor(job));
  const secrets = secretsFor(deps);
  const held: Checkout[] = [];
  const hold = async (pending: Promise<Checkout>) => {
    const checkout = await pending;
    held.push(checkout);
    return checkout;
  };
  let answered = job.commentIds.length > 0;
  return {
    job,
    deps,
    vcs,
    secrets,
    async reply(text) {
      if (answered) return;
      if (job.target.pr === 0) {
        const at = { jobId: job.id, repo: repoFullName(job.target.repo), pr: 0, kind: "plan" as const, project: ANSWER_STREAM };
        await deps.store.appendJobLog({ ...at, text: `${secrets.redact(text)}\n` }, deps.config.log_max_bytes);
        answered = true;
        return;
      }
      const id = await vcs.createComment(
        job.target.repo,
        job.target.pr,
        printComment({ marker: jobMarker(job.id), text: secrets.redact(text) }),
      );
      answered = true;
      await deps.store.updateJob(job.id, { commentIds: [id] });
    },
    publisher: (fixed) => createCommentPublisher(vcs, deps, job, { ...fixed, maxComments: deps.config.max_comments, secrets }),
    checkout: (req) => hold(deps.workspace.checkout(req)),
    checkoutBranchHead: (req) => hold(deps.workspace.checkoutBranchHead(req)),
    close() {
      for (const c of held.splice(0)) c.release();
    },
  };
}

/** The same context, for a job whose kind the caller has looked at (its spec is `spec`). */
export function narrowed<S extends JobSpec>(ctx: JobContext, spec: S): JobContext<S> {
  return { ...ctx, job: { ...ctx.job, spec } };
}

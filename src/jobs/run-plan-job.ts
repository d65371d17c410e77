import { authorizeCommand, replyRefused } from "../authorization/authorize-command.js";
import type { JobContext } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import { newerPlanJob } from "./coalesce-plans.js";
import { planPullRequest, prefetchHead, refusedFork } from "./plan-pull-request.js";

type PlanJob = JobContext<SpecOf<"plan">>;

const AUTHOR_MAY_NOT_PLAN = (reasons: string[]) =>
  `Not planned automatically: ${reasons.join("; ")}, and the code of a pull request is its author's. Nothing is locked; someone who may plan can comment \`/plan\`.`;

/** A plan job: autoplan or `/plan`, from the live PR head to the rendered comment and check. */
export async function runPlanJob(ctx: PlanJob): Promise<void> {
  const pr = await ctx.vcs.pullRequest(ctx.job.target.repo, ctx.job.target.pr);
  const fetching = prefetchHead(ctx, pr);
  try {
    await planAfterRead(ctx, pr, fetching);
  } finally {
    // A job refused below ends after its fetch too: nothing of it runs on.
    await fetching;
  }
}

async function planAfterRead(ctx: PlanJob, pr: PullRequestInfo, fetching: Promise<void>): Promise<void> {
  const { job, deps, vcs } = ctx;
  const spec = job.spec;
  const publisher = ctx.publisher({
    command: "plan",
    headSha: pr.headSha,
    trigger: {
      text: spec.trigger === "autoplan" ? "autoplan" : spec.trigger === "rerun" ? "Re-run of sluice/plan" : (spec.commandLine ?? "/plan"),
      user: spec.actor,
    },
  });
  const answer = (notice: string, tone: "refused" | "info") => publisher.publish({ state: "done", results: [], notice, tone });
  if (spec.trigger !== "autoplan") {
    // A plan is what a merge or `/apply` later applies: making one needs the permission first.
    const who = await authorizeCommand(vcs, deps, job, "plan", deps.config.plan_permission);
    if (!who.allowed) return replyRefused(vcs, deps, job, `Not planned: ${who.reasons.join("; ")}.`);
  } else if (pr.state === "open" && !refusedFork(pr, job, deps)) {
    // The code planned is the author's, whoever pushed last: an author who may not plan gets no
    // autoplan, so a pull request of theirs holds no lock that another one would wait behind.
    // (A closed PR or a fork this server does not plan is told that, below.)
    const author = await authorizeCommand(
      vcs,
      deps,
      { ...job, spec: { ...spec, actor: pr.author, actorId: pr.authorId } },
      "plan",
      deps.config.plan_permission,
    );
    if (!author.allowed) return answer(AUTHOR_MAY_NOT_PLAN(author.reasons), "info");
  }
  // Whose permission a newer plan runs with: its commenter's, or for an autoplan its author's.
  const newer = await newerPlanJob(deps.store, job, async (other) => {
    const auto = other.spec.trigger === "autoplan";
    const actor = auto ? pr.author : other.spec.actor;
    const actorId = auto ? pr.authorId : other.spec.actorId;
    return (await authorizeCommand(vcs, deps, { ...other, spec: { ...other.spec, actor, actorId } }, "plan", deps.config.plan_permission))
      .allowed;
  });
  if (newer !== undefined) {
    if (spec.trigger === "autoplan") return;
    return answer(`Superseded by a newer \`/plan\` of this pull request (job ${newer}): only the newest one runs.`, "info");
  }
  if (spec.commentId) void vcs.react(job.target.repo, spec.commentId, "eyes").catch(() => undefined);
  // Progress, like the check updates: posted while the checkout runs (publish keeps the order).
  const queued = publisher.publish({ state: "queued", results: [] });
  // Awaited with the other progress posts; a job that ends before them must not leave it unhandled.
  queued.catch(() => undefined);
  try {
    await fetching;
    await planPullRequest(ctx, pr, publisher, queued);
  } catch (e) {
    await publisher.fault(e);
    throw e;
  }
}

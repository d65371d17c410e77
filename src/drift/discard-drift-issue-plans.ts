import type { JobContext } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import { inlineCode } from "../render/inline.js";
import { VcsError } from "../vcs/vcs-client.js";

/**
 * A drift issue closed by hand (or by another bot): `/apply` needs an open issue, so the plan it
 * showed can never be applied; it goes now, with its bytes in the store, instead of waiting for
 * the next check. Said on the issue when there was a plan to discard: when Sluice closes an issue
 * itself, it has discarded the plan already and says nothing more.
 */
export async function discardDriftIssuePlans(ctx: JobContext<SpecOf<"cleanup">>): Promise<void> {
  const { job, deps } = ctx;
  const { repo, pr: issue } = job.target;
  // Ingress passes on any issue an app opened (a label is easily taken off): only the store says
  // which are Sluice's; another app's issue is left alone without a word or a read of GitHub.
  if (!(await deps.store.driftIssue(repoFullName(repo), issue))) {
    deps.log.info({ jobId: job.id, repo: repoFullName(repo), issue }, "closed issue is not a drift issue of Sluice's: nothing to discard");
    return;
  }
  // The delivery says the issue was closed then: reopened since (and planned again), it is asked
  // now, so a close delivered late, or replayed under a new delivery id, discards nothing shown.
  const now = await ctx.vcs.issue(repo, issue).catch((e: unknown) => {
    if (e instanceof VcsError && (e.status === 404 || e.status === 410)) return undefined;
    throw e;
  });
  if (now?.state === "open") {
    deps.log.info({ jobId: job.id, repo: repoFullName(repo), issue }, "drift issue closed, then reopened: its plan is kept");
    return;
  }
  const discarded = await deps.store.supersedePlans(repoFullName(repo), issue);
  deps.log.info({ jobId: job.id, repo: repoFullName(repo), issue, discarded }, "drift issue closed: its plan was discarded");
  if (discarded === 0) return;
  const by = job.spec.actor;
  await ctx.reply(
    [
      `This issue was closed${by ? ` by ${inlineCode(by)}` : ""}, so the plan it showed was discarded: \`/apply\` here applies nothing.`,
      "If the project still drifts, the next drift check opens a new issue; comment `/drift` on any issue to check now.",
    ].join(" "),
  );
}

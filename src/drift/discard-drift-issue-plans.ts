import type { JobContext } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import { inlineCode } from "../render/inline.js";

/**
 * A drift issue closed by hand (or by another bot): `/apply` needs an open issue, so the plan it
 * showed can never be applied; it goes now, with its bytes in the store, instead of waiting for
 * the next check. Said on the issue when there was a plan to discard: when Sluice closes an issue
 * itself, it has discarded the plan already and says nothing more.
 */
export async function discardDriftIssuePlans(ctx: JobContext<SpecOf<"cleanup">>): Promise<void> {
  const { job, deps } = ctx;
  const { repo, pr: issue } = job.target;
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

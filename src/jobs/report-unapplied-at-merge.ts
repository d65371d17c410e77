import { ignoredSettings } from "../config/ignored-settings.js";
import type { SpecOf } from "../model/job.js";
import type { JobContext } from "../job-context/job-context.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { RepoConfig } from "../model/repo-config.js";
import { repoFullName } from "../model/repo.js";

/**
 * A pull request merged while it still had plans that were never applied, in a repo that applies
 * on `/apply` comments: nothing runs at merge, so the PR says so (and names an `apply_on: merge`
 * the server ignored), instead of the merge passing for an apply.
 */
export async function reportUnappliedAtMerge(
  ctx: JobContext<SpecOf<"apply">>,
  pr: PullRequestInfo,
  merged: RepoConfig | undefined,
): Promise<void> {
  const { job, deps } = ctx;
  const plans = await deps.store.pendingPlans(repoFullName(job.target.repo), pr.number);
  if (plans.length === 0) return;
  const names = [...new Set(plans.map((p) => `\`${p.project}\``))].join(", ");
  const ignored = ignoredSettings(deps.config, merged);
  const notice = [
    `This pull request was merged with ${plans.length === 1 ? "a plan" : `${plans.length} plans`} that ${plans.length === 1 ? "was" : "were"} never applied: ${names}. ` +
      "Sluice applies here on an `/apply` comment before merging (`apply_on: comment`), so nothing was applied at merge and these changes are not live. " +
      "Open a pull request to plan and apply them.",
    ...ignored,
  ].join("\n");
  const publisher = ctx.publisher({
    command: "apply",
    headSha: pr.headSha,
    trigger: { text: "merge", user: job.spec.actor },
  });
  await publisher.publish({ state: "done", results: [], notice, tone: "refused" });
  deps.log.warn({ jobId: job.id, pr: pr.number, plans: plans.length }, "pull request merged with unapplied plans: said so on the PR");
}

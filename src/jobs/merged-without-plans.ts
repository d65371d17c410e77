import type { JobContext } from "../job-context/job-context.js";
import type { SpecOf } from "../model/job.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { RepoConfig } from "../model/repo-config.js";
import { repoFullName } from "../model/repo.js";
import { inlineCode } from "../render/inline.js";
import { refuseAll } from "./apply-publisher.js";
import { resolveCheckoutProjects } from "../repo-reading/resolve-checkout-projects.js";
import type { Checkout } from "../workspace/workspace.js";
import type { RepoSettings } from "../config/repo-settings.js";
import { stateCountName } from "../config/trusted-identity.js";
import { goneAtMergeNote } from "../projects/gone-projects.js";
import { goneOfCheckout } from "../repo-reading/gone-of-checkout.js";
import { newestApplyIsPrs } from "../tool-runs/newest-apply.js";

/**
 * Apply on merge of a pull request with no plan waiting. Nothing to say when its changes touch no
 * project, or when each project it changes was applied from its merged head before the merge
 * (`/apply`): a docs-only merge is no refusal. Otherwise those changes were merged without being applied (no
 * plan was made, or it failed), and the PR says so, naming the projects: "comment `/plan`" means
 * nothing on a merged pull request.
 */
export async function mergedWithoutPlans(
  ctx: JobContext<SpecOf<"apply">>,
  pr: PullRequestInfo,
  head: Checkout,
  config: RepoConfig,
  /** Who the projects are: the base branch's projects before the merge, and their recorded names. */
  settings: Pick<RepoSettings, "baseProjects" | "recordNameOf">,
): Promise<void> {
  const { baseProjects } = settings;
  const { job, deps } = ctx;
  const repo = repoFullName(job.target.repo);
  const resolved = await resolveCheckoutProjects(deps, job.target.repo, head, config);
  const { affected } = resolved;
  const notLive = [];
  // Applied from the merged head itself: an apply of an earlier commit left the later changes out.
  // Of base projects sharing a dir and workspace (each its own backend), by its own recorded name:
  // its sibling's apply left it unapplied. And still the project's newest: another pull request's
  // apply since (the lock let go in between) left this one's changes out of what is live.
  for (const p of affected) {
    const recordedAs = settings.recordNameOf(p);
    const named = stateCountName(baseProjects, p, recordedAs);
    const live =
      (await deps.store.appliedByPr(repo, pr.number, p.dir, p.workspace, pr.headSha, named)) &&
      (await newestApplyIsPrs(deps.store, repo, recordedAs, pr.number));
    if (!live) notLive.push(p);
  }
  // A project whose dir it deleted had nothing to plan: its resources are still up, unmanaged.
  const gone = goneAtMergeNote(await goneOfCheckout(deps, job.target.repo, baseProjects, resolved, head, pr.baseRef));
  if (notLive.length === 0 && !gone) {
    deps.log.info({ jobId: job.id, pr: pr.number, changed: affected.length }, "merged with no plan waiting and nothing left to apply");
    return;
  }
  const names = notLive.map((p) => inlineCode(p.name)).join(", ");
  const notice = [
    ...(notLive.length
      ? [
          `Nothing was applied at merge: no plan of this pull request was waiting to be applied for ${names} (none was made for its last commit, or it failed), so the changes it merged there are not live. Open a pull request to plan and apply them.`,
        ]
      : []),
    ...(gone ? [gone] : []),
  ].join("\n");
  const publisher = ctx.publisher({ command: "apply", headSha: pr.headSha, trigger: { text: "apply on merge", user: job.spec.actor } });
  await refuseAll(publisher, notice);
  deps.log.warn(
    { jobId: job.id, pr: pr.number, projects: notLive.map((p) => p.name) },
    "merged with changes no plan was waiting for, or a project's dir deleted",
  );
}

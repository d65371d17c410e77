import type { Project } from "../model/project.js";
import type { ProjectTree } from "../model/project-tree.js";
import { readRepoTreeAt } from "../repo-reading/read-repo-tree.js";
import { scopeCheckout } from "../repo-reading/scope-checkout.js";
import type { ApplyContext } from "./apply-context.js";

/**
 * Narrows the PR's checkout (and the merge commit's, when its tree differs) to the projects that
 * apply and those they read outputs from; says whether the merge commit's tree is the planned one.
 */
export async function scopeApplyCheckouts(ctx: ApplyContext, tree: ProjectTree, scoped: Project[]): Promise<{ sameTree: boolean }> {
  const { deps, job, pr, settings } = ctx;
  const sameTree = ctx.merge
    ? (await deps.workspace.treeOf(job.target.repo, ctx.merge.sha)) === (await deps.workspace.treeOf(job.target.repo, pr.headSha))
    : true;
  const scoping = { enabled: settings.sparseCheckout, customWorkflow: (p: Project) => settings.workflowFor(p).workflow !== undefined };
  await scopeCheckout(deps, job.target.repo, ctx.head, tree, scoped, scoping);
  if (ctx.merge && !sameTree) {
    const merge = ctx.merge.checkout;
    const mergeTree = await readRepoTreeAt(deps.workspace, job.target.repo, merge.headSha, merge.files);
    await scopeCheckout(deps, job.target.repo, merge, mergeTree, scoped, scoping);
  }
  return { sameTree };
}

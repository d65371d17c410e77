import type { Project } from "../model/project.js";
import type { RepoTree } from "../model/project-tree.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import { type CheckoutScope, sparseCheckoutDirs } from "../projects/sparse-checkout-dirs.js";
import type { Checkout } from "../workspace/workspace.js";
import type { JobDeps } from "../job-context/job-deps.js";

/**
 * Writes to a sparse worktree what the runs of `projects` read: their dirs and local module dirs
 * (a module's subdirs only when its code may read a file; the root's files are there already),
 * or every file when that set cannot be known for sure:
 * a helm or kustomize project, a custom workflow (its `run` steps may read any file), extra
 * arguments (`-var-file=../x`), `sparse_checkout: false` in the base branch's repo config, or a symlink or parent path (`..`) in the dirs' Terraform files.
 */
export async function scopeCheckout(
  deps: Pick<JobDeps, "workspace" | "log">,
  repo: RepoRef,
  checkout: Checkout,
  tree: Pick<RepoTree, "tfSources" | "tfMayRead">,
  projects: readonly Project[],
  opts: { enabled: boolean; customWorkflow: (p: Project) => boolean; extraArgs?: readonly string[] },
): Promise<CheckoutScope> {
  const scope = await neededScope(deps, repo, checkout, tree, projects, opts);
  if (scope.sparse) {
    await checkout.include(scope.dirs, scope.shallow);
  } else {
    deps.log.info({ repo: repoFullName(repo), sha: checkout.headSha, reason: scope.reason }, "writing every file of the checkout");
    await checkout.includeAll();
  }
  return scope;
}

async function neededScope(
  deps: Pick<JobDeps, "workspace">,
  repo: RepoRef,
  checkout: Checkout,
  tree: Pick<RepoTree, "tfSources" | "tfMayRead">,
  projects: readonly Project[],
  opts: { enabled: boolean; customWorkflow: (p: Project) => boolean; extraArgs?: readonly string[] },
): Promise<CheckoutScope> {
  if (!opts.enabled) return { sparse: false, reason: "sparse_checkout is off for this repository" };
  const custom = projects.find(opts.customWorkflow);
  if (custom) return { sparse: false, reason: `project ${custom.name} has a custom workflow` };
  if (opts.extraArgs?.length) return { sparse: false, reason: "the command has extra arguments" };
  const scope = sparseCheckoutDirs(tree, projects);
  if (!scope.sparse || scope.dirs.length === 0) return scope;
  const hazard = await deps.workspace.sparseHazards(repo, checkout.headSha, scope.dirs, tree.tfSources, scope.shallow);
  return hazard === undefined ? scope : { sparse: false, reason: hazard };
}

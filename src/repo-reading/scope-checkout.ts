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
  const scope = sparseScope(tree, projects, opts);
  if (!scope.sparse) return everyFile(deps, repo, checkout, scope.reason);
  if (scope.dirs.length === 0) return scope;
  // The dirs are written while the hazard check reads git: on a hazard every file follows, a
  // superset of them. (A 50-of-1,000 PR's check takes 20-60 ms, its dirs' files 0.4-1 s here.)
  const [hazard] = await Promise.all([
    deps.workspace.sparseHazards(repo, checkout.headSha, scope.dirs, tree.tfSources, scope.shallow),
    checkout.include(scope.dirs, scope.shallow),
  ]);
  return hazard === undefined ? scope : everyFile(deps, repo, checkout, hazard);
}

async function everyFile(deps: Pick<JobDeps, "log">, repo: RepoRef, checkout: Checkout, reason: string): Promise<CheckoutScope> {
  deps.log.info({ repo: repoFullName(repo), sha: checkout.headSha, reason }, "writing every file of the checkout");
  await checkout.includeAll();
  return { sparse: false, reason };
}

function sparseScope(
  tree: Pick<RepoTree, "tfSources" | "tfMayRead">,
  projects: readonly Project[],
  opts: { enabled: boolean; customWorkflow: (p: Project) => boolean; extraArgs?: readonly string[] },
): CheckoutScope {
  if (!opts.enabled) return { sparse: false, reason: "sparse_checkout is off for this repository" };
  const custom = projects.find(opts.customWorkflow);
  if (custom) return { sparse: false, reason: `project ${custom.name} has a custom workflow` };
  if (opts.extraArgs?.length) return { sparse: false, reason: "the command has extra arguments" };
  return sparseCheckoutDirs(tree, projects);
}

import { PROJECT_DETECTORS } from "../../runners/registry.js";
import type { RepoConfig } from "../model/repo-config.js";
import type { RepoRef } from "../model/repo.js";
import { type ProjectTree, type ResolvedProjects, resolveProjects } from "../projects/resolve-projects.js";
import type { Checkout } from "../workspace/workspace.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { readRepoTreeAt } from "./read-repo-tree.js";

/**
 * Every project of a checkout and those its PR's changes touch (plan: what to run; apply: what
 * the PR covers), and the tree they were found in. Read from git objects: the checkout may be sparse.
 */
export async function resolveCheckoutProjects(
  deps: Pick<JobDeps, "workspace">,
  repo: RepoRef,
  checkout: Checkout,
  config: RepoConfig,
): Promise<ResolvedProjects & { tree: ProjectTree }> {
  const tree = await readRepoTreeAt(deps.workspace, repo, checkout.headSha, checkout.files);
  return { ...resolveProjects(config, tree, checkout.changedFiles, PROJECT_DETECTORS), tree };
}

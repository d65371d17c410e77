import { PROJECT_DETECTORS } from "../../runners/registry.js";
import type { JobDeps } from "../job-context/job-deps.js";
import type { Project } from "../model/project.js";
import type { RepoRef } from "../model/repo.js";
import type { BaseProject } from "../model/trusted-identity.js";
import { absorbedDirs } from "../projects/absorbed-dirs.js";
import { type GoneProject, goneProjects } from "../projects/gone-projects.js";
import { type ProjectTree, resolveProjects } from "../projects/resolve-projects.js";
import type { Checkout } from "../workspace/workspace.js";
import { loadRepoConfigs } from "./load-repo-configs.js";
import { modulesBefore } from "./modules-before.js";
import { readRepoTreeAt } from "./read-repo-tree.js";

type Where = Pick<Project, "dir" | "workspace">;
const at = (list: readonly Where[], g: Where) => list.some((p) => p.dir === g.dir && p.workspace === g.workspace);

/**
 * The base branch's projects the pull request takes away (goneProjects), each one a project where
 * the pull request branched off too. The base's own list says who is who, not what was a project:
 * it holds every dir with a project's files, a module's dir too (a module whose file the pull
 * request deletes is no project it deletes), and projects the base gained after the branch.
 */
export async function goneOfCheckout(
  deps: Pick<JobDeps, "workspace" | "config">,
  repo: RepoRef,
  baseProjects: readonly BaseProject[],
  head: { all: readonly Project[]; tree: ProjectTree },
  checkout: Pick<Checkout, "files" | "changedFiles" | "mergeBase">,
  baseRef?: string,
): Promise<GoneProject[]> {
  const missing = new Set(baseProjects.filter((b) => !at(head.all, b)).map((b) => b.dir));
  const absorbed = absorbedDirs(head.tree, missing, checkout.changedFiles);
  let candidates = goneProjects(baseProjects, head.all, checkout, deps.config.repo_config_file, new Set(absorbed.keys()));
  if (candidates.some((g) => g.how === "absorbed")) {
    const modules = await modulesBefore(deps.workspace, repo, checkout.mergeBase, absorbed, checkout);
    candidates = candidates.filter((g) => g.how !== "absorbed" || !modules.has(g.dir));
  }
  if (candidates.length === 0) return candidates;
  // Asked after a merge's applies too: a read that fails must not cost their report.
  const before = await projectsAtMergeBase(deps, repo, checkout.mergeBase, candidates, baseRef).catch(() => undefined);
  // A merge base whose config or tree cannot be read says nothing: every candidate is named.
  return before === undefined ? candidates : candidates.filter((g) => at(before, g));
}

/**
 * The projects at the merge base, as far as telling `candidates` goes: its config's alone when
 * they name every candidate (or autodiscovery is off there), else autodiscovery's too, from the
 * merge base's tree (read only then: a module's dir is a candidate whenever a file of it goes).
 */
async function projectsAtMergeBase(
  deps: Pick<JobDeps, "workspace" | "config">,
  repo: RepoRef,
  mergeBase: string,
  candidates: readonly Where[],
  baseRef: string | undefined,
): Promise<readonly Where[] | undefined> {
  const { head } = await loadRepoConfigs(deps.workspace, repo, mergeBase, mergeBase, deps.config.repo_config_file, baseRef);
  if (!head.ok) return undefined;
  const configured = head.config.projects;
  if (!head.config.autodiscover.enabled || candidates.every((g) => at(configured, g))) return configured;
  const tree = await readRepoTreeAt(deps.workspace, repo, mergeBase, await deps.workspace.filesAt(repo, mergeBase));
  return resolveProjects(head.config, tree, [], PROJECT_DETECTORS).all;
}

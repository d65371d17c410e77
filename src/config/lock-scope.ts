import type { Project } from "../model/project.js";
import type { RepoConfig } from "../model/repo-config.js";

/**
 * What a project's lock covers: its own name when the trusted (base-branch) config defines several
 * projects on its dir + workspace and it is one of them (Atlantis' named projects, each with its
 * own backend), "" (the whole dir + workspace) otherwise. The PR's config never widens this: a PR
 * that adds or renames a project there still locks the whole dir + workspace, so a lock cannot be
 * stepped around by a new name (issue #10).
 */
export function lockScope(trusted: RepoConfig | undefined, project: Pick<Project, "dir" | "workspace" | "name">): string {
  const here = (trusted?.projects ?? []).filter((p) => p.dir === project.dir && p.workspace === project.workspace);
  return here.length > 1 && here.some((p) => p.name === project.name) ? project.name : "";
}

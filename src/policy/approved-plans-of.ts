import type { Project } from "../model/project.js";

type Planned = Pick<Project, "name" | "dir" | "workspace">;

/**
 * The approved plans a merge group's plan of `project` must match. Where the group has one project
 * on that dir and workspace, every approved plan there (a PR may have named it otherwise). Where
 * it has several (named projects with their own var files or backends), an approved plan is
 * compared with the project of its name; one whose name the group has not there is compared
 * with each of them, so that a rename never lets a changed result through.
 */
export function approvedPlansOf<T extends { project: string; dir: string; workspace: string }>(
  project: Planned,
  approved: readonly T[],
  groupProjects: readonly Planned[],
): T[] {
  const here = (p: { dir: string; workspace: string }) => p.dir === project.dir && p.workspace === project.workspace;
  const names = new Set(groupProjects.filter(here).map((p) => p.name));
  return approved.filter((plan) => here(plan) && (plan.project === project.name || names.size <= 1 || !names.has(plan.project)));
}

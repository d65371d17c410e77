import { markdownCode } from "../command/markdown-code.js";
import type { ProjectFilter } from "../model/command.js";
import { adHocWorkspaceName, type Project } from "../model/project.js";
import { compareStrings } from "../util/repo-path.js";
import { listSome } from "../util/list-some.js";

export type ProjectSelection = { projects: Project[] } | { error: string };

export interface SelectOptions {
  /**
   * True when projects come from a config file that lists their workspaces: `-w` may then only
   * pick a configured one. False (autodiscovery): `-d x -w staging` plans dir x in workspace staging.
   */
  strictWorkspaces?: boolean;
}

const MAX_LISTED = 20;

/**
 * Applies a command's `-p` / `-d` / `-w` (combined with AND). No filter: the affected projects.
 * `-p` and `-d` pick among all projects, so a comment can plan a project the PR does not touch;
 * `-w` alone re-targets the affected projects' dirs to that workspace.
 */
export function selectProjects(all: Project[], affected: Project[], filter: ProjectFilter, opts: SelectOptions = {}): ProjectSelection {
  const { project: name, dir, workspace } = filter;
  if (name === undefined && dir === undefined && workspace === undefined) return { projects: sorted(affected) };

  let candidates = name === undefined && dir === undefined ? affected : all;
  if (name !== undefined) {
    candidates = candidates.filter((p) => p.name === name);
    if (candidates.length === 0) return { error: unknownProject(name, all) };
  }
  if (dir !== undefined) {
    const inDir = candidates.filter((p) => p.dir === dir);
    if (inDir.length === 0) {
      if (name !== undefined) return { error: `project ${markdownCode(name)} is not in ${markdownCode(dir)}` };
      return { error: `no Terraform project in ${markdownCode(dir)}` };
    }
    candidates = inDir;
  }
  if (workspace === undefined) return { projects: sorted(candidates) };

  const selected: Project[] = [];
  for (const [projectDir, inDir] of groupByDir(candidates)) {
    const exact = inDir.filter((p) => p.workspace === workspace);
    if (exact.length > 0) {
      selected.push(...exact);
      continue;
    }
    if (opts.strictWorkspaces === true) {
      const configured = [...new Set(inDir.map((p) => p.workspace))].sort(compareStrings).map((w) => markdownCode(w));
      return {
        error: `workspace ${markdownCode(workspace)} is not configured for ${markdownCode(projectDir)} (configured: ${configured.join(", ")})`,
      };
    }
    const [first] = inDir;
    if (first !== undefined) selected.push({ ...first, name: adHocWorkspaceName(first.name, workspace), workspace });
  }
  return { projects: sorted(selected) };
}

function unknownProject(name: string, all: readonly Project[]): string {
  const names = [...new Set(all.map((p) => p.name))].sort(compareStrings);
  if (names.length === 0) return `no project named ${markdownCode(name)}; this repository has no projects`;
  return `no project named ${markdownCode(name)}; known: ${listSome(names, MAX_LISTED, (n) => markdownCode(n))}`;
}

function groupByDir(projects: readonly Project[]): Map<string, Project[]> {
  const groups = new Map<string, Project[]>();
  for (const project of sorted(projects)) {
    const group = groups.get(project.dir) ?? [];
    group.push(project);
    groups.set(project.dir, group);
  }
  return groups;
}

function sorted(projects: readonly Project[]): Project[] {
  const seen = new Set<string>();
  return [...projects]
    .sort((a, b) => compareStrings(a.dir, b.dir) || compareStrings(a.workspace, b.workspace) || compareStrings(a.name, b.name))
    .filter((p) => {
      const key = `${p.name}\u0000${p.dir}\u0000${p.workspace}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

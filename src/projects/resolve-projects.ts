import picomatch from "picomatch";
import { detectHelmProjects } from "../../runners/helm/detect-helm-projects.js";
import { detectKustomizeProjects } from "../../runners/kustomize/detect-kustomize-projects.js";
import { projectsForChanges } from "../config/repo/match-when-modified.js";
import type { Project } from "../model/project.js";
import type { ProjectConfig, RepoConfig } from "../model/repo-config.js";
import { affectedProjects } from "./affected-projects.js";
import { discoverTerraformProjects, type RepoTree } from "./discover-terraform-projects.js";
import { cleanRepoPath, compareStrings } from "../util/repo-path.js";

export interface ProjectTree extends RepoTree {
  /** Local `resources`/`bases`/`components` of each kustomization dir. */
  kustomizeRefs: Map<string, string[]>;
}

export interface ResolvedProjects {
  /** Every project of the repo: configured ones, then autodiscovered ones in dirs no config claims. */
  all: Project[];
  /** Those the change touches (autoplan), sorted by dir. */
  affected: Project[];
}

export function toProject(p: ProjectConfig): Project {
  const project: Project = { name: p.name, dir: p.dir, workspace: p.workspace, runner: p.runner };
  if (p.helm) project.helm = p.helm;
  if (p.kustomize) project.kustomize = p.kustomize;
  return project;
}

const under = (dir: string, file: string) => dir === "." || file === dir || file.startsWith(`${dir}/`);

/**
 * Pure: the repo config's projects plus, where autodiscovery is on, every Terraform dir, chart
 * and kustomization no configured project covers; and which of them a change touches.
 */
export function resolveProjects(config: RepoConfig, tree: ProjectTree, changedFiles: string[]): ResolvedProjects {
  const configured = config.projects.map(toProject);
  const claimed = new Set(config.projects.map((p) => p.dir));
  const ignored = config.autodiscover.ignore.length ? picomatch(config.autodiscover.ignore, { dot: true }) : () => false;
  const free = (p: Project) => !claimed.has(p.dir) && !ignored(p.dir);

  const affected = new Map<string, Project>();
  for (const p of projectsForChanges(config, changedFiles)) affected.set(p.name, toProject(p));

  const discovered: Project[] = [];
  if (config.autodiscover.enabled) {
    const changed = changedFiles.map(cleanRepoPath).filter((f): f is string => f !== undefined);

    const tf = discoverTerraformProjects(tree);
    discovered.push(...tf.projects.filter(free));
    for (const p of affectedProjects(tree, changed, tf)) if (free(p)) affected.set(p.name, p);

    for (const p of detectHelmProjects(tree.files).filter(free)) {
      discovered.push(p);
      if (changed.some((f) => under(p.dir, f))) affected.set(p.name, p);
    }

    const kz = detectKustomizeProjects({ files: tree.files, refs: tree.kustomizeRefs });
    for (const p of kz.projects.filter(free)) {
      discovered.push(p);
      if (changed.some((f) => usesChanged(p.dir, f, kz.bases))) affected.set(p.name, p);
    }
  }
  const all = [...configured, ...discovered.sort((a, b) => compareStrings(a.dir, b.dir))];
  return {
    all,
    affected: [...affected.values()].sort((a, b) => compareStrings(a.dir, b.dir) || compareStrings(a.workspace, b.workspace)),
  };
}

/** A kustomization is touched by a file under its dir or under any base it uses, transitively. */
function usesChanged(dir: string, file: string, bases: Map<string, Set<string>>): boolean {
  if (under(dir, file)) return true;
  const seen = new Set<string>();
  const stack = [...bases.keys()].filter((b) => under(b, file));
  while (stack.length) {
    const base = stack.pop() as string;
    if (seen.has(base)) continue;
    seen.add(base);
    for (const user of bases.get(base) ?? []) {
      if (user === dir) return true;
      stack.push(user);
    }
  }
  return false;
}

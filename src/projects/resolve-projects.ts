import type { ProjectDetector } from "../../runners/runner.js";
import { projectsForChanges, whenModifiedReasons } from "../config/repo/match-when-modified.js";
import type { Project } from "../model/project.js";
import type { ProjectTree } from "../model/project-tree.js";
import type { ProjectConfig, RepoConfig } from "../model/repo-config.js";
import { cleanRepoPath, compareStrings } from "../util/repo-path.js";
import { distinctFrom } from "../config/discovered-name.js";
import { ignoredDirs } from "./ignored-dirs.js";
import { relabelAliases, symlinkAliases } from "./symlink-aliases.js";

export type { ProjectTree } from "../model/project-tree.js";

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
  if (p.inputsFrom) project.inputsFrom = p.inputsFrom;
  if (p.valuesFrom) project.valuesFrom = p.valuesFrom;
  return project;
}

/**
 * Pure: the repo config's projects plus, where autodiscovery is on, every project the tools'
 * detectors find (`PROJECT_DETECTORS` in runners/registry.ts) in dirs no configured project
 * covers; and which of them a change touches.
 */
export function resolveProjects(
  config: RepoConfig,
  tree: ProjectTree,
  changedFiles: string[],
  detectors: readonly ProjectDetector[],
): ResolvedProjects {
  const configured = config.projects.map(toProject);
  const claimed = new Set(config.projects.map((p) => p.dir));

  const clean = changedFiles.map(cleanRepoPath).filter((f): f is string => f !== undefined);
  // A change read through a symlink elsewhere in the repo counts at the link's path too.
  const aliases = symlinkAliases(tree.symlinks, clean);
  const changed = aliases.length ? [...clean, ...aliases.map((a) => a.path)] : clean;
  const seen = aliases.length ? [...changedFiles, ...aliases.map((a) => a.path)] : changedFiles;

  const affected = new Map<string, Project>();
  for (const p of projectsForChanges(config, seen)) affected.set(p.name, { ...toProject(p), why: whenModifiedReasons(p, seen) });

  // A configured project follows what it renders too (bases outside its dir, values files elsewhere).
  for (const p of config.projects) {
    const follow = p.autoplan.enabled ? detectors.find((d) => d.kind === p.runner)?.follow : undefined;
    const reasons = follow?.(toProject(p), tree, changed) ?? [];
    if (reasons.length === 0) continue;
    const known = affected.get(p.name);
    const said = known?.why ?? [];
    // A file its when_modified matched already is named once.
    const added = reasons.filter((r) => !said.some((w) => w.startsWith(r.slice(0, r.indexOf("`", 1) + 1))));
    affected.set(p.name, { ...(known ?? toProject(p)), why: [...said, ...added] });
  }

  const discovered: Project[] = [];
  if (config.autodiscover.enabled) {
    const found = detectors.map((detector) => detector.detect(tree, changed));
    const ignored = ignoredDirs(
      config.autodiscover.ignore,
      found.flatMap((f) => [...f.projects, ...f.affected].map((p) => p.dir)),
    );
    const free = (p: Project) => !claimed.has(p.dir) && !ignored.has(p.dir);
    const discoveredNames = found.flatMap((f) => [...f.projects, ...f.affected].filter(free).map((p) => p.name));
    const distinct = distinctFrom(new Set(config.projects.map((p) => p.name)), new Set(discoveredNames));
    const nameOfDir = new Map(found.flatMap((f) => f.projects.filter(free).map((p) => [p.dir, distinct(p).name] as const)));
    // A tool's dependencies name dirs (Terragrunt's `dependency` blocks), which plan-order reads
    // as project names: a unit told apart keeps them; a dir the config claims is its projects
    // there, whatever their names; and a dir's name that is a configured project elsewhere is not
    // that project (app's `../db` would wait for `infra/db`, named `db`).
    const dirsAsNames = (p: Project): Project => {
      if (!p.dependsOn) return p;
      const onDir = (d: string) => nameOfDir.get(d) ?? config.projects.filter((c) => c.dir === d).map((c) => c.name);
      return { ...p, dependsOn: p.dependsOn.flatMap(onDir) };
    };
    const named = (p: Project) => dirsAsNames(distinct(p));
    for (const f of found) {
      discovered.push(...f.projects.filter(free).map(named));
      for (const p of f.affected) if (free(p)) affected.set(named(p).name, named(p));
    }
  }
  if (aliases.length) for (const [name, p] of affected) affected.set(name, { ...p, why: relabelAliases(p.why ?? [], aliases) });
  const all = [...configured, ...discovered.sort((a, b) => compareStrings(a.dir, b.dir))];
  return {
    all,
    affected: [...affected.values()].sort((a, b) => compareStrings(a.dir, b.dir) || compareStrings(a.workspace, b.workspace)),
  };
}

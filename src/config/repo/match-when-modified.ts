import type { ProjectConfig, RepoConfig } from "../../model/repo-config.js";
import { cleanRepoPath } from "../../util/repo-path.js";
import { type AtlantisPattern, compileWhenModified, matchesOrParentMatches } from "./atlantis-pattern.js";

interface CompiledProject {
  key: string;
  patterns: AtlantisPattern[];
}

const compiledProjects = new WeakMap<ProjectConfig, CompiledProject>();

/**
 * The projects with autoplan enabled that a change touches: a changed file matches the project's
 * `whenModified` patterns as Atlantis matches them (atlantis-pattern.ts: joined to the project
 * dir, moby's `.dockerignore` rules, the last matching pattern decides, a parent dir matching
 * counts). Config order is kept.
 */
export function projectsForChanges(config: RepoConfig, changedFiles: string[]): ProjectConfig[] {
  const files = prepareFiles(changedFiles);
  if (files.length === 0) return [];
  return config.projects.filter((project) => project.autoplan.enabled && firstMatch(compileProject(project).patterns, files) !== undefined);
}

/**
 * Why `projectsForChanges` picked a project: the changed files its `when_modified` matches (at
 * most `limit`, then the count of the rest), each with the pattern that decided.
 */
export function whenModifiedReasons(project: ProjectConfig, changedFiles: readonly string[], limit = 4): string[] {
  const { patterns } = compileProject(project);
  const reasons: string[] = [];
  let more = 0;
  for (const file of prepareFiles(changedFiles)) {
    const decided = matchesOrParentMatches(patterns, file);
    if (decided === undefined) continue;
    if (reasons.length >= limit) more++;
    else reasons.push(`\`${file}\`, matches when_modified \`${decided.text}\``);
  }
  if (more > 0) reasons.push(`${more} more changed ${more === 1 ? "file" : "files"}`);
  return reasons;
}

/**
 * The first changed file the patterns match. Only files starting with an including pattern's
 * literal prefix can match (a parent dir of a file is a prefix of it), so each including pattern
 * looks at one range of the sorted list.
 */
function firstMatch(patterns: readonly AtlantisPattern[], files: readonly string[]): string | undefined {
  const seen = new Set<number>();
  for (const p of patterns) {
    if (p.exclude) continue;
    for (let i = lowerBound(files, p.literalPrefix); i < files.length; i++) {
      const file = files[i] as string;
      if (!file.startsWith(p.literalPrefix)) break;
      if (seen.has(i)) continue;
      seen.add(i);
      if (matchesOrParentMatches(patterns, file) !== undefined) return file;
    }
  }
  return undefined;
}

function compileProject(project: ProjectConfig): CompiledProject {
  const key = `${project.dir}\u0000${project.autoplan.whenModified.join("\u0000")}`;
  const cached = compiledProjects.get(project);
  if (cached !== undefined && cached.key === key) return cached;
  const patterns: AtlantisPattern[] = [];
  for (const raw of project.autoplan.whenModified) {
    const compiled = compileWhenModified(project.dir, raw);
    // loadRepoConfig refuses these; a hand-built config skips them rather than matching wrongly.
    if (compiled?.ok) patterns.push(compiled.pattern);
  }
  const result = { key, patterns };
  compiledProjects.set(project, result);
  return result;
}

// Paths from the VCS API are already clean; only the others pay for cleanRepoPath's split/join.
const UNCLEAN = /(?:^|\/)\.{1,2}(?:\/|$)|\/\/|^\/|\/$|^$/;

/** Clean, repo-relative, deduplicated, sorted by code unit (so files sharing a prefix form one range). */
function prepareFiles(changedFiles: readonly string[]): string[] {
  const clean = new Set<string>();
  for (const raw of changedFiles) {
    const file = UNCLEAN.test(raw) ? cleanRepoPath(raw) : raw;
    if (file !== undefined && file !== ".") clean.add(file);
  }
  return [...clean].sort();
}

function lowerBound(files: readonly string[], key: string): number {
  let lo = 0;
  let hi = files.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((files[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

import picomatch from "picomatch";
import type { ProjectConfig, RepoConfig } from "../../model/repo-config.js";
import { cleanRepoPath } from "../../util/repo-path.js";
import { GLOB_CHARS, resolvePattern } from "./resolve-pattern.js";

/**
 * One `when_modified` pattern, resolved against its project dir and split at the first glob
 * segment: `base` is a plain repo dir every match lies under (so candidates are a range of the
 * sorted file list), `test` matches the rest, relative to `base`, compiled once per distinct text.
 */
interface CompiledPattern {
  key: string;
  exclude: boolean;
  base: string;
  /** No glob at all: matches `base` itself and everything under it. */
  literal: boolean;
  restSegments: number;
  test: (relative: string) => boolean;
}

interface CompiledProject {
  key: string;
  patterns: CompiledPattern[];
  hasExclusions: boolean;
}

const compiledProjects = new WeakMap<ProjectConfig, CompiledProject>();
const matchers = new Map<string, (path: string) => boolean>();
// Patterns come from repository configs; bound the cache so a long-running server cannot grow it forever.
const MAX_MATCHERS = 10_000;
const NEVER = () => false;

/**
 * The projects with autoplan enabled that a change touches: a changed file matches one of the
 * project's `whenModified` globs. Atlantis semantics (.dockerignore syntax): globs are relative to
 * the project dir (`../modules/**` reaches a sibling), `!` excludes what earlier patterns matched,
 * and a pattern matching a directory matches everything under it. Config order is kept.
 */
export function projectsForChanges(config: RepoConfig, changedFiles: string[]): ProjectConfig[] {
  const files = prepareFiles(changedFiles);
  if (files.length === 0) return [];
  const anyMatch = new Map<string, boolean>();
  const listMatch = new Map<string, boolean>();

  const patternHits = (p: CompiledPattern): boolean => {
    let hit = anyMatch.get(p.key);
    if (hit === undefined) {
      hit = false;
      const [from, to] = rangeUnder(files, p.base);
      for (let i = from; i < to && !hit; i++) hit = matches(p, files[i] as string);
      if (p.literal && !hit) hit = contains(files, p.base);
      anyMatch.set(p.key, hit);
    }
    return hit;
  };

  return config.projects.filter((project) => {
    if (!project.autoplan.enabled) return false;
    const compiled = compileProject(project);
    if (!compiled.hasExclusions) return compiled.patterns.some(patternHits);
    let hit = listMatch.get(compiled.key);
    if (hit === undefined) {
      hit = matchWithExclusions(compiled.patterns, files);
      listMatch.set(compiled.key, hit);
    }
    return hit;
  });
}

/**
 * Why `projectsForChanges` picked a project: the changed files its `when_modified` matches (at
 * most `limit`, then the count of the rest), each with the pattern that matched it last.
 */
export function whenModifiedReasons(project: ProjectConfig, changedFiles: readonly string[], limit = 4): string[] {
  const compiled = compileProject(project);
  const reasons: string[] = [];
  let more = 0;
  for (const file of prepareFiles(changedFiles)) {
    let decided: CompiledPattern | undefined;
    for (const p of compiled.patterns) {
      if (p.exclude !== (decided !== undefined)) continue;
      if (matches(p, file)) decided = p.exclude ? undefined : p;
    }
    if (decided === undefined) continue;
    if (reasons.length >= limit) more++;
    else reasons.push(`\`${file}\`, matches when_modified \`${decided.key}\``);
  }
  if (more > 0) reasons.push(`${more} more changed ${more === 1 ? "file" : "files"}`);
  return reasons;
}

/** Per file, the last pattern that matches decides (moby's PatternMatcher, which Atlantis uses). */
function matchWithExclusions(patterns: readonly CompiledPattern[], files: readonly string[]): boolean {
  const candidates = new Set<number>();
  for (const p of patterns) {
    if (p.exclude) continue;
    const [from, to] = rangeUnder(files, p.base);
    for (let i = from; i < to; i++) candidates.add(i);
    if (p.literal) {
      const exact = lowerBound(files, p.base);
      if (files[exact] === p.base) candidates.add(exact);
    }
  }
  for (const i of candidates) {
    const file = files[i] as string;
    let matched = false;
    for (const p of patterns) {
      if (p.exclude !== matched) continue;
      if (matches(p, file)) matched = !p.exclude;
    }
    if (matched) return true;
  }
  return false;
}

function matches(p: CompiledPattern, file: string): boolean {
  if (p.literal) return p.base === "." || file === p.base || file.startsWith(`${p.base}/`);
  let relative: string;
  if (p.base === ".") relative = file;
  else if (file.startsWith(`${p.base}/`)) relative = file.slice(p.base.length + 1);
  else return false;
  if (p.test(relative)) return true;
  // A pattern also matches the files under a directory it matches (`*` from a project dir
  // matches `sub/x.tf`): test the first `restSegments` segments when the file is deeper.
  let end = -1;
  for (let n = 0; n < p.restSegments; n++) {
    end = relative.indexOf("/", end + 1);
    if (end < 0) return false;
  }
  return p.test(relative.slice(0, end));
}

function compileProject(project: ProjectConfig): CompiledProject {
  const cached = compiledProjects.get(project);
  if (cached !== undefined && cached.key === projectKey(project)) return cached;
  const patterns: CompiledPattern[] = [];
  for (const raw of project.autoplan.whenModified) {
    const resolved = resolvePattern(project.dir, raw);
    // loadRepoConfig rejects these; a hand-built config skips them rather than matching wrongly.
    if (!resolved.ok) continue;
    patterns.push(compilePattern(resolved.pattern.glob, resolved.pattern.exclude));
  }
  const compiled = {
    key: projectKey(project),
    patterns,
    hasExclusions: patterns.some((p) => p.exclude),
  };
  compiledProjects.set(project, compiled);
  return compiled;
}

function projectKey(project: ProjectConfig): string {
  return `${project.dir}\u0000${project.autoplan.whenModified.join("\u0000")}`;
}

function compilePattern(glob: string, exclude: boolean): CompiledPattern {
  const segments = glob === "." ? [] : glob.split("/");
  const firstGlob = segments.findIndex((s) => GLOB_CHARS.test(s));
  const key = `${exclude ? "!" : ""}${glob}`;
  if (firstGlob < 0) return { key, exclude, base: glob, literal: true, restSegments: 0, test: NEVER };
  const base = firstGlob === 0 ? "." : segments.slice(0, firstGlob).join("/");
  const rest = segments.slice(firstGlob).join("/");
  return { key, exclude, base, literal: false, restSegments: segments.length - firstGlob, test: matcher(rest) };
}

function matcher(glob: string): (path: string) => boolean {
  let m = matchers.get(glob);
  if (m === undefined) {
    if (matchers.size >= MAX_MATCHERS) matchers.clear();
    m = fastMatcher(glob) ?? regexMatcher(glob);
    matchers.set(glob, m);
  }
  return m;
}

function regexMatcher(glob: string): (path: string) => boolean {
  // The bare regex: picomatch's matcher function adds per-call work this hot loop does not need.
  const re = picomatch.makeRe(glob, { dot: true });
  return (path) => re.test(path);
}

// String tests for the shapes every default uses ("**/*.tf", "**/.terraform.lock.hcl", "**"),
// giving picomatch's answer on clean paths (no "." or ".." segments, no empty segments).
function fastMatcher(glob: string): ((path: string) => boolean) | undefined {
  if (glob === "**" || glob === "**/*") return () => true;
  if (!glob.startsWith("**/")) return undefined;
  const last = glob.slice(3);
  if (last.includes("/")) return undefined;
  if (last.startsWith("*") && !GLOB_CHARS.test(last.slice(1))) {
    const suffix = last.slice(1);
    return (path) => path.endsWith(suffix);
  }
  if (!GLOB_CHARS.test(last)) return (path) => path === last || path.endsWith(`/${last}`);
  return undefined;
}

// Paths from the VCS API are already clean; only the others pay for cleanRepoPath's split/join.
const UNCLEAN = /(?:^|\/)\.{1,2}(?:\/|$)|\/\/|^\/|\/$|^$/;

/** Clean, repo-relative, deduplicated, sorted by code unit (so a dir's files form one range). */
function prepareFiles(changedFiles: readonly string[]): string[] {
  const clean = new Set<string>();
  for (const raw of changedFiles) {
    const file = UNCLEAN.test(raw) ? cleanRepoPath(raw) : raw;
    if (file !== undefined && file !== ".") clean.add(file);
  }
  return [...clean].sort();
}

/** [from, to) of the files strictly under `dir` ("." = all files). */
function rangeUnder(files: readonly string[], dir: string): [number, number] {
  if (dir === ".") return [0, files.length];
  // Every path starting with "dir/" sorts at or after "dir/" and before "dir0" ("0" follows "/").
  return [lowerBound(files, `${dir}/`), lowerBound(files, `${dir}0`)];
}

function contains(files: readonly string[], path: string): boolean {
  return files[lowerBound(files, path)] === path;
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

import { parse } from "yaml";
import type { Project } from "../../src/model/project.js";
import { cleanRepoPath, compareStrings, isIgnoredPath, parentDir, resolveFrom } from "../../src/util/repo-path.js";
import { KUSTOMIZATION_FILES } from "./kustomize-settings.js";

export interface KustomizeTree {
  /** Every path in the repo, POSIX, relative to the root. */
  files: string[];
  /** Per kustomization dir: its `kustomizationRefs` (read by the caller, like `tfSources`). */
  refs: Map<string, string[]>;
}

export interface DiscoveredKustomizations {
  /** Kustomization dirs, sorted by dir, but for bases and components (see detectKustomizeProjects). */
  projects: Project[];
  /** Base dir -> the kustomization dirs using it directly (overlays or other bases). */
  bases: Map<string, Set<string>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A URL, a `github.com/…` remote, or inline YAML (a patch written in place). */
const notLocalPath = (entry: string) =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) || /\n|: /.test(entry);

/** `key=path` (a generator file under another key) -> `path`. */
const generatorFile = (entry: string) => entry.slice(entry.indexOf("=") + 1);

/**
 * Every local path a kustomization file names: `resources`, `bases` and `components` (files or
 * dirs), and the files of patches, generators, transformers, replacements, CRDs and
 * configurations. Remote entries (URLs, `github.com/…`) and inline patches are left out. The
 * caller keeps entries resolving to a kustomization dir as bases (followed in turn); the others
 * are files the render reads. Broken YAML gives no refs; the plan reports it properly.
 */
export function kustomizationRefs(text: string): string[] {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch {
    return [];
  }
  if (!isRecord(doc)) return [];
  const refs: string[] = [];
  const add = (entry: unknown) => {
    if (typeof entry === "string" && entry !== "" && !notLocalPath(entry)) refs.push(entry);
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const key of [
    "resources",
    "bases",
    "components",
    "patchesStrategicMerge",
    "crds",
    "configurations",
    "generators",
    "transformers",
    "validators",
  ])
    for (const entry of list(doc[key])) add(entry);
  for (const key of ["patches", "patchesJson6902", "replacements"])
    for (const entry of list(doc[key])) if (isRecord(entry)) add(entry.path);
  for (const key of ["configMapGenerator", "secretGenerator"]) {
    for (const gen of list(doc[key])) {
      if (!isRecord(gen)) continue;
      for (const f of list(gen.files)) if (typeof f === "string") add(generatorFile(f));
      for (const f of list(gen.envs)) add(f);
      add(gen.env);
    }
  }
  if (isRecord(doc.openapi)) add(doc.openapi.path);
  return refs;
}

/** Kustomizations used by others that are no deployable unit of their own, by convention. */
const isBaseOnly = (dir: string) => {
  const segments = dir.split("/");
  return ["base", "bases"].includes(segments[segments.length - 1] ?? "") || segments.includes("components");
};

/**
 * Autodiscovery: every dir with a kustomization file is a project named after its dir. One that
 * other kustomizations use is planned through its users, and is a project of its own too unless
 * it is a base or component by name (a last segment `base` or `bases`, or under `components/`):
 * an app that is also another's base changes its own objects as well.
 */
export function detectKustomizeProjects(tree: KustomizeTree): DiscoveredKustomizations {
  const dirs = new Set<string>();
  for (const raw of tree.files) {
    // Most files of a big repo are no kustomization: skip them before the costlier path cleaning.
    if (!/ustomization(\.ya?ml)?$/.test(raw) || !(KUSTOMIZATION_FILES as readonly string[]).includes(raw.slice(raw.lastIndexOf("/") + 1)))
      continue;
    const file = cleanRepoPath(raw);
    if (file === undefined || isIgnoredPath(file)) continue;
    dirs.add(parentDir(file));
  }
  const bases = new Map<string, Set<string>>();
  for (const [rawDir, refs] of tree.refs) {
    const dir = cleanRepoPath(rawDir);
    if (dir === undefined || !dirs.has(dir)) continue;
    for (const ref of refs) {
      const target = resolveFrom(dir, ref);
      if (target === undefined || target === dir || !dirs.has(target)) continue;
      const users = bases.get(target) ?? new Set<string>();
      users.add(dir);
      bases.set(target, users);
    }
  }
  const projects = [...dirs]
    .filter((dir) => !(bases.has(dir) && isBaseOnly(dir)))
    .sort(compareStrings)
    .map((dir): Project => ({ name: dir, dir, workspace: "default", runner: "kustomize" }));
  return { projects, bases };
}

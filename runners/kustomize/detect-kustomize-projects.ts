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
  /** Kustomization dirs no other kustomization uses, sorted by dir. */
  projects: Project[];
  /** Base dir -> the kustomization dirs using it directly (overlays or other bases). */
  bases: Map<string, Set<string>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The local entries of `resources`, `bases` and `components` in a kustomization file; remote ones
 * (URLs, `github.com/…`) are left out. Entries may be files or dirs: the caller keeps those that
 * resolve to a kustomization dir. Broken YAML gives no refs; the plan reports it properly.
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
  for (const key of ["resources", "bases", "components"]) {
    const list = doc[key];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (typeof entry !== "string" || /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry))
        continue;
      refs.push(entry);
    }
  }
  return refs;
}

/**
 * Autodiscovery: every dir with a kustomization file is a project named after its dir, unless
 * another kustomization uses it (a base or component): then it is planned through its users,
 * as a Terraform module is.
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
    .filter((dir) => !bases.has(dir))
    .sort(compareStrings)
    .map((dir): Project => ({ name: dir, dir, workspace: "default", runner: "kustomize" }));
  return { projects, bases };
}

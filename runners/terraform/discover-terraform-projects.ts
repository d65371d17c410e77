import type { Project } from "../../src/model/project.js";
import type { RepoTree } from "../../src/model/project-tree.js";
import { isLocalSource } from "./find-module-sources.js";
import { cleanRepoPath, compareStrings, isIgnoredPath, isTerraformFile, parentDir, resolveFrom } from "../../src/util/repo-path.js";

export { findModuleSources, findModuleSourcesInJson } from "./find-module-sources.js";

export type { RepoTree } from "../../src/model/project-tree.js";

export interface DiscoveredProjects {
  /** Terraform dirs that no other Terraform dir uses as a module, sorted by dir. */
  projects: Project[];
  /** Module dir -> the dirs that use it directly (projects or other modules). */
  modules: Map<string, Set<string>>;
}

/** Dirs (clean, root = `.`) holding at least one `.tf` or `.tf.json` file, outside ignored dirs. */
export function terraformDirs(files: readonly string[]): Set<string> {
  const dirs = new Set<string>();
  for (const raw of files) {
    if (!isTerraformFile(raw)) continue;
    const file = cleanRepoPath(raw);
    if (file === undefined || file === "." || isIgnoredPath(file)) continue;
    dirs.add(parentDir(file));
  }
  return dirs;
}

/**
 * Autodiscovery: every Terraform dir is a project named after its dir, unless another Terraform
 * dir uses it as a local module: then it is planned through its users, not on its own.
 */
export function discoverTerraformProjects(tree: RepoTree): DiscoveredProjects {
  const tfDirs = terraformDirs(tree.files);
  const modules = new Map<string, Set<string>>();
  for (const [rawDir, sources] of tree.tfSources) {
    const dir = cleanRepoPath(rawDir);
    if (dir === undefined || !tfDirs.has(dir)) continue;
    for (const source of sources) {
      if (!isLocalSource(source)) continue;
      const target = resolveFrom(dir, source);
      if (target === undefined || target === dir || !tfDirs.has(target)) continue;
      const users = modules.get(target) ?? new Set<string>();
      users.add(dir);
      modules.set(target, users);
    }
  }
  const projects = [...tfDirs]
    .filter((dir) => !modules.has(dir))
    .sort(compareStrings)
    .map((dir): Project => ({ name: dir, dir, workspace: "default", runner: "terraform" }));
  return { projects, modules };
}

import picomatch from "picomatch";
import type { Project } from "../../src/model/project.js";
import { type DiscoveredProjects, discoverTerraformProjects, type RepoTree } from "./discover-terraform-projects.js";
import { cleanRepoPath, compareStrings, isIgnoredPath, isTerraformFile, parentDir, relativeTo } from "../../src/util/repo-path.js";

/** Atlantis' default `when_modified`, relative to the project dir. */
export const DEFAULT_WHEN_MODIFIED: readonly string[] = [
  "**/*.tf",
  "**/*.tf.json",
  "**/*.tfvars",
  "**/*.tfvars.json",
  "**/.terraform.lock.hcl",
];

const matchesWhenModified = picomatch([...DEFAULT_WHEN_MODIFIED], { dot: true });

/**
 * The projects a change touches, sorted by dir (then workspace, name), without duplicates.
 * A changed file belongs to the nearest Terraform dir at or above it. In a project dir it counts
 * when it matches `DEFAULT_WHEN_MODIFIED`; in a module dir any file counts (templates, scripts),
 * and the change reaches every project using the module, through modules using modules.
 */
export function affectedProjects(
  tree: RepoTree,
  changedFiles: string[],
  discovered: DiscoveredProjects = discoverTerraformProjects(tree),
): Project[] {
  const projectsByDir = new Map<string, Project[]>();
  for (const project of discovered.projects) {
    const list = projectsByDir.get(project.dir) ?? [];
    list.push(project);
    projectsByDir.set(project.dir, list);
  }
  const { modules } = discovered;
  const isTfDir = (dir: string) => projectsByDir.has(dir) || modules.has(dir);

  const files: string[] = [];
  for (const raw of changedFiles) {
    const file = cleanRepoPath(raw);
    if (file !== undefined && file !== "." && !isIgnoredPath(file)) files.push(file);
  }
  // A changed .tf file whose dir holds no .tf any more belongs to a deleted Terraform dir: nothing
  // to plan there, and its leftovers (tfvars, lock file) must not be pinned on a parent project.
  const deletedDirs = new Set<string>();
  for (const file of files) {
    const dir = parentDir(file);
    if (isTerraformFile(file) && !isTfDir(dir)) deletedDirs.add(dir);
  }

  const affectedDirs = new Set<string>();
  const changedModules: string[] = [];
  for (const file of files) {
    const owner = ownerDir(file, isTfDir, deletedDirs);
    if (owner === undefined) continue;
    if (modules.has(owner)) changedModules.push(owner);
    if (projectsByDir.has(owner) && matchesWhenModified(relativeTo(owner, file))) affectedDirs.add(owner);
  }

  // Reverse module graph walk; `seen` keeps module cycles from looping.
  const seen = new Set(changedModules);
  const queue = [...seen];
  for (let module = queue.pop(); module !== undefined; module = queue.pop()) {
    for (const user of modules.get(module) ?? []) {
      if (projectsByDir.has(user)) affectedDirs.add(user);
      if (modules.has(user) && !seen.has(user)) {
        seen.add(user);
        queue.push(user);
      }
    }
  }

  return [...affectedDirs]
    .sort(compareStrings)
    .flatMap((dir) => projectsByDir.get(dir) ?? [])
    .sort((a, b) => compareStrings(a.dir, b.dir) || compareStrings(a.workspace, b.workspace) || compareStrings(a.name, b.name));
}

/** Nearest Terraform dir at or above the file, unless a deleted Terraform dir comes first. */
function ownerDir(file: string, isTfDir: (dir: string) => boolean, deletedDirs: ReadonlySet<string>): string | undefined {
  let dir = parentDir(file);
  for (;;) {
    if (isTfDir(dir)) return dir;
    if (deletedDirs.has(dir) || dir === ".") return undefined;
    dir = parentDir(dir);
  }
}

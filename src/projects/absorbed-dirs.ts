import { detectKustomizeProjects } from "../../runners/kustomize/detect-kustomize-projects.js";
import { KUSTOMIZATION_FILES } from "../../runners/kustomize/kustomize-settings.js";
import { discoverTerraformProjects } from "../../runners/terraform/discover-terraform-projects.js";
import type { Project } from "../model/project.js";
import type { ProjectTree } from "../model/project-tree.js";
import { isTerraformFile, parentDir } from "../util/repo-path.js";

/**
 * Dirs that hold a project's files at the head but that autodiscovery plans through another
 * project there (a Terraform dir another uses as a module, a subchart under another chart, a
 * kustomize base), where the pull request changed what makes them so: a Terraform or
 * kustomization file of a dir using them, a `Chart.yaml` above them. Such a dir may have been a
 * project of its own before the pull request (its resources then left in its own state); whether
 * it was is read at the merge base (gone-of-checkout.ts). Pure: dir -> its Terraform users whose
 * files changed (none for a chart or a base).
 */
export function absorbedDirs(
  tree: Pick<ProjectTree, "files" | "tfSources" | "tfReads" | "tfMayRead" | "kustomizeRefs">,
  head: readonly Pick<Project, "dir">[],
  changedFiles: readonly string[],
): Map<string, string[]> {
  const projectDirs = new Set(head.map((p) => p.dir));
  const absorbed = new Map<string, string[]>();
  // A dir is absorbed through a user only when a file of that user's own dir changed.
  const changedIn = (dir: string, isKind: (file: string) => boolean) => changedFiles.some((f) => parentDir(f) === dir && isKind(f));
  const consider = (dir: string, users: Iterable<string>, isKind: (file: string) => boolean, tf = false) => {
    if (projectDirs.has(dir)) return;
    const changed = [...users].filter((user) => changedIn(user, isKind));
    if (changed.length > 0) absorbed.set(dir, [...(absorbed.get(dir) ?? []), ...(tf ? changed : [])]);
  };
  for (const [dir, users] of discoverTerraformProjects(tree).modules) consider(dir, users, isTerraformFile, true);
  const isKustomization = (f: string) => (KUSTOMIZATION_FILES as readonly string[]).includes(f.slice(f.lastIndexOf("/") + 1));
  for (const [dir, users] of detectKustomizeProjects({ files: tree.files, refs: tree.kustomizeRefs }).bases)
    consider(dir, users, isKustomization);
  const charts = new Set(tree.files.filter((f) => f === "Chart.yaml" || f.endsWith("/Chart.yaml")).map(parentDir));
  for (const dir of charts) {
    if (dir === ".") continue;
    const above: string[] = [];
    for (let up = parentDir(dir); ; up = parentDir(up)) {
      if (charts.has(up)) above.push(up);
      if (up === ".") break;
    }
    consider(dir, above, (f) => f.endsWith("Chart.yaml"));
  }
  return absorbed;
}

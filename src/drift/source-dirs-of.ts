import type { ProjectTree } from "../model/project-tree.js";
import { resolveFrom } from "../util/repo-path.js";

/**
 * The paths whose content makes up a project's configuration: its dir, the local Terraform
 * modules it uses and the local kustomize bases and components it refers to, each followed
 * through the modules and bases they use in turn. A drift check asks git whether any of them
 * changed since the last apply: a module edited outside the project changes what git wants too.
 * Helm charts' `file://` dependencies are not in the tree: a chart counts only its own dir.
 */
export function sourceDirsOf(projectDir: string, tree: Pick<ProjectTree, "tfSources" | "kustomizeRefs">): string[] {
  const found = new Set<string>([projectDir]);
  const queue = [projectDir];
  for (let dir = queue.pop(); dir !== undefined; dir = queue.pop()) {
    for (const ref of [...(tree.tfSources.get(dir) ?? []), ...(tree.kustomizeRefs.get(dir) ?? [])]) {
      const path = resolveFrom(dir, ref);
      if (path === undefined || found.has(path)) continue;
      found.add(path);
      queue.push(path);
    }
  }
  return [...found].sort();
}

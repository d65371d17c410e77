import type { ProjectTree } from "../model/project-tree.js";
import { localClosure } from "../util/local-closure.js";

/**
 * The paths whose content makes up a project's configuration: its dir, the local Terraform
 * modules it uses and the local kustomize bases and components it refers to, each followed
 * through the modules and bases they use in turn. A drift check asks git whether any of them
 * changed since the last apply: a module edited outside the project changes what git wants too.
 * A chart counts its `file://` dependencies' dirs too (values files named only in the config are not in the tree).
 */
export function sourceDirsOf(projectDir: string, tree: Pick<ProjectTree, "tfSources" | "kustomizeRefs" | "chartRefs">): string[] {
  const { paths } = localClosure([projectDir], (dir) => [
    ...(tree.tfSources.get(dir) ?? []),
    ...(tree.kustomizeRefs.get(dir) ?? []),
    ...(tree.chartRefs?.get(dir) ?? []),
  ]);
  return [...paths].sort();
}

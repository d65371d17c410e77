import { affectedProjects } from "../../runners/terraform/affected-projects.js";
import type { DiscoveredProjects, RepoTree } from "../../runners/terraform/discover-terraform-projects.js";

/**
 * Per project dir (of `dirs`), the files the pull request changed that its Terraform code, or a
 * module's, reads wherever they live (`file()`, `templatefile()`, `fileset()`, a
 * `${path.module}/…` path, a computed path's tree): what its plan depends on beyond its dirs, as
 * the autoplan finds it (affected-projects.ts).
 */
export function changedReadsOf(
  tree: RepoTree,
  discovered: DiscoveredProjects,
  changed: readonly string[],
  dirs: readonly string[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!tree.tfReads?.size) return out;
  const wanted = new Set(dirs);
  // One file at a time: which project reads it is what matters, and the why-lines do not say it.
  for (const file of new Set(changed)) {
    for (const p of affectedProjects(tree, [file], discovered)) {
      if (wanted.has(p.dir)) out.set(p.dir, [...new Set([...(out.get(p.dir) ?? []), file])]);
    }
  }
  return out;
}

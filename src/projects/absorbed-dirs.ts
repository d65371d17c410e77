import { KUSTOMIZATION_FILES } from "../../runners/kustomize/kustomize-settings.js";
import { isLocalSource } from "../../runners/terraform/find-module-sources.js";
import type { ProjectTree } from "../model/project-tree.js";
import { isIgnoredPath, isTerraformFile, parentDir, resolveFrom } from "../util/repo-path.js";

const isKustomization = (f: string) => (KUSTOMIZATION_FILES as readonly string[]).includes(f.slice(f.lastIndexOf("/") + 1));

/**
 * Of `missing` (base dirs no head project is at), those autodiscovery plans through another
 * project at the head where the pull request changed what makes them so: a Terraform or
 * kustomization file of a dir using them (a module, a base), a `Chart.yaml` above them (a
 * subchart). Such a dir may have been a project of its own before the pull request, its resources
 * then left in its own state; whether it was is read at the merge base (gone-of-checkout.ts).
 * Pure, and only the changed users are looked at: dir -> its Terraform users whose files changed
 * (none for a subchart or a base).
 */
export function absorbedDirs(
  tree: Pick<ProjectTree, "files" | "tfSources" | "kustomizeRefs">,
  missing: ReadonlySet<string>,
  changedFiles: readonly string[],
): Map<string, string[]> {
  const absorbed = new Map<string, string[]>();
  if (missing.size === 0) return absorbed;
  const changedDirs = (isKind: (file: string) => boolean) => new Set(changedFiles.filter(isKind).map(parentDir));
  const take = (users: ReadonlyMap<string, readonly string[]>, changed: ReadonlySet<string>, tf: boolean, local = (_: string) => true) => {
    for (const [user, refs] of users) {
      // A dir autodiscovery ignores (`.terraform`, `node_modules`) uses nothing.
      if (!changed.has(user) || isIgnoredPath(user)) continue;
      for (const ref of refs) {
        const dir = local(ref) ? resolveFrom(user, ref) : undefined;
        if (dir === undefined || dir === user || !missing.has(dir)) continue;
        const list = absorbed.get(dir) ?? [];
        if (tf && !list.includes(user)) list.push(user);
        absorbed.set(dir, list);
      }
    }
  };
  take(tree.tfSources, changedDirs(isTerraformFile), true, isLocalSource);
  take(tree.kustomizeRefs, changedDirs(isKustomization), false);
  const files = new Set(tree.files);
  const addedCharts = changedDirs((f) => (f === "Chart.yaml" || f.endsWith("/Chart.yaml")) && files.has(f));
  for (const dir of missing) {
    if (dir === "." || !files.has(`${dir}/Chart.yaml`)) continue;
    for (let up = parentDir(dir); ; up = parentDir(up)) {
      if (addedCharts.has(up)) absorbed.set(dir, absorbed.get(dir) ?? []);
      if (up === ".") break;
    }
  }
  return absorbed;
}

import type { ProjectDetector } from "../runner.js";
import { detectKustomizeProjects } from "./detect-kustomize-projects.js";
import { changedReasons, kustomizeClosure } from "./kustomize-closure.js";

/**
 * A kustomization dir; touched by a change to anything its kustomization renders from, through
 * bases, components, patches and generators' files, transitively. A configured kustomize
 * project follows the same closure.
 */
export const kustomizeDetector: ProjectDetector = {
  kind: "kustomize",
  detect(tree, changedFiles) {
    const kz = detectKustomizeProjects({ files: tree.files, refs: tree.kustomizeRefs });
    const why = new Map<string, string[]>();
    for (const p of kz.projects) {
      const reasons = changedReasons(p.dir, kustomizeClosure(p.dir, tree.kustomizeRefs), changedFiles);
      if (reasons.length > 0) why.set(p.name, reasons);
    }
    return { projects: kz.projects, affected: kz.projects.filter((p) => why.has(p.name)), why };
  },
  follow(project, tree, changedFiles) {
    return changedReasons(project.dir, kustomizeClosure(project.dir, tree.kustomizeRefs), changedFiles);
  },
};

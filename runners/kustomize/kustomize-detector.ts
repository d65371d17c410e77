import type { Project } from "../../src/model/project.js";
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
    const affected: Project[] = [];
    for (const p of kz.projects) {
      const why = changedReasons(p.dir, kustomizeClosure(p.dir, tree.kustomizeRefs), changedFiles);
      if (why.length > 0) affected.push({ ...p, why });
    }
    return { projects: kz.projects, affected };
  },
  follow(project, tree, changedFiles) {
    return changedReasons(project.dir, kustomizeClosure(project.dir, tree.kustomizeRefs), changedFiles);
  },
};

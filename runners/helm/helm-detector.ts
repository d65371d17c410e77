import type { Project } from "../../src/model/project.js";
import { resolveFrom } from "../../src/util/repo-path.js";
import { changedReasons } from "../kustomize/kustomize-closure.js";
import type { ProjectDetector } from "../runner.js";
import { detectHelmProjects } from "./detect-helm-projects.js";

/**
 * A dir with `Chart.yaml`; touched by any change under it (templates, values, vendored
 * dependencies under `charts/`). A configured chart also follows its values files wherever they
 * are (`values: [../../clusters/prod/app.yaml]`).
 */
export const helmDetector: ProjectDetector = {
  kind: "helm",
  detect(tree, changedFiles) {
    const projects = detectHelmProjects(tree.files);
    const affected: Project[] = [];
    for (const p of projects) {
      const why = changedReasons(p.dir, new Set([p.dir]), changedFiles);
      if (why.length > 0) affected.push({ ...p, why });
    }
    return { projects, affected };
  },
  follow(project, _tree, changedFiles) {
    const paths = new Set([project.dir]);
    for (const file of project.helm?.values ?? []) {
      const path = resolveFrom(project.dir, file);
      if (path !== undefined) paths.add(path);
    }
    return changedReasons(project.dir, paths, changedFiles, () => "a values file of the chart");
  },
};

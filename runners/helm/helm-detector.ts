import type { Project } from "../../src/model/project.js";
import { resolveFrom } from "../../src/util/repo-path.js";
import { localClosure } from "../../src/util/local-closure.js";
import { changedReasons } from "../kustomize/kustomize-closure.js";
import type { ProjectDetector } from "../runner.js";
import { detectHelmProjects } from "./detect-helm-projects.js";

/**
 * A dir with `Chart.yaml`; touched by any change under it (templates, values, vendored
 * dependencies under `charts/`) or under a `file://` dependency's dir, transitively. A configured
 * chart also follows its values files wherever they are (`values: [../../clusters/prod/app.yaml]`).
 */
export const helmDetector: ProjectDetector = {
  kind: "helm",
  detect(tree, changedFiles) {
    const projects = detectHelmProjects(tree.files);
    const affected: Project[] = [];
    for (const p of projects) {
      const why = changedReasons(p.dir, chartClosure(p.dir, tree.chartRefs), changedFiles, dependencyReason);
      if (why.length > 0) affected.push({ ...p, why });
    }
    return { projects, affected };
  },
  follow(project, tree, changedFiles) {
    const paths = chartClosure(project.dir, tree.chartRefs);
    const values = new Set<string>();
    for (const file of project.helm?.values ?? []) {
      const path = resolveFrom(project.dir, file);
      if (path === undefined) continue;
      paths.add(path);
      values.add(path);
    }
    return changedReasons(project.dir, paths, changedFiles, (via) =>
      values.has(via) ? "a values file of the chart" : dependencyReason(via),
    );
  },
};

const dependencyReason = (via: string) => `in \`${via}\`, a \`file://\` dependency of the chart`;

/** The chart dir and the dirs of its `file://` dependencies, theirs in turn. */
function chartClosure(dir: string, refs: ReadonlyMap<string, readonly string[]> | undefined): Set<string> {
  return localClosure([dir], (d) => refs?.get(d) ?? []).paths;
}

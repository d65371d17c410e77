import type { Project } from "../../src/model/project.js";
import { cleanRepoPath, compareStrings, isIgnoredPath, parentDir } from "../../src/util/repo-path.js";

/**
 * Autodiscovery: every dir with a `Chart.yaml` is a helm project named after its dir, except a
 * chart inside another chart (a subchart under `charts/`): it is rendered through its parent.
 */
export function detectHelmProjects(files: readonly string[]): Project[] {
  const dirs = new Set<string>();
  for (const raw of files) {
    // Most files of a big repo are no Chart.yaml: skip them before the costlier path cleaning.
    if (!raw.endsWith("Chart.yaml")) continue;
    const file = cleanRepoPath(raw);
    if (file === undefined || isIgnoredPath(file)) continue;
    if (file === "Chart.yaml" || file.endsWith("/Chart.yaml")) dirs.add(parentDir(file));
  }
  return [...dirs]
    .filter((dir) => !hasAncestorIn(dir, dirs))
    .sort(compareStrings)
    .map((dir): Project => ({ name: dir, dir, workspace: "default", runner: "helm" }));
}

function hasAncestorIn(dir: string, dirs: ReadonlySet<string>): boolean {
  if (dir === ".") return false;
  for (let up = parentDir(dir); ; up = parentDir(up)) {
    if (dirs.has(up)) return true;
    if (up === ".") return false;
  }
}

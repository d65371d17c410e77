import type { Project } from "../../src/model/project.js";
import type { ProjectTree } from "../../src/model/project-tree.js";
import { discoverTerragruntUnits } from "./discover-terragrunt-units.js";

const MAX_LINES = 20;

/**
 * What discovery could not follow in the planned units' configuration (a file that is not HCL, a
 * path out of the repository), one warning line each for the plan comment.
 */
export function terragruntProblems(tree: ProjectTree, projects: readonly Project[]): string[] {
  if (!tree.terragrunt || !projects.some((p) => p.runner === "terragrunt")) return [];
  const { units } = discoverTerragruntUnits(tree);
  const lines = new Set<string>();
  for (const p of projects) {
    if (p.runner !== "terragrunt") continue;
    for (const problem of units.get(p.dir)?.problems ?? []) lines.add(`⚠️ Terragrunt unit \`${p.dir}\`: ${problem}`);
  }
  const all = [...lines];
  return all.length > MAX_LINES ? [...all.slice(0, MAX_LINES), `… and ${all.length - MAX_LINES} more`] : all;
}

import type { ProjectDetector } from "../runner.js";
import { affectedUnits } from "./affected-units.js";
import { discoverTerragruntUnits, followUnit } from "./discover-terragrunt-units.js";

/**
 * Terragrunt units (a dir with `terragrunt.hcl`), planned when what their configuration reads
 * changes; a configured `runner: terragrunt` project follows the same reads.
 */
export const terragruntDetector: ProjectDetector = {
  kind: "terragrunt",
  detect(tree, changedFiles) {
    const found = discoverTerragruntUnits(tree);
    return { projects: found.projects, affected: affectedUnits(tree, changedFiles, found) };
  },
  follow(project, tree, changedFiles) {
    const found = discoverTerragruntUnits(tree);
    const files = new Set(tree.files);
    const unit = found.units.get(project.dir) ?? followUnit(project.dir, tree.terragrunt ?? new Map(), (p) => files.has(p));
    const units = new Map([...found.units, [unit.dir, unit]]);
    const self = { ...project, runner: "terragrunt" as const };
    const affected = affectedUnits(tree, changedFiles, { ...found, units, projects: [self] });
    return affected[0]?.why ?? [];
  },
};

import type { ProjectDetector } from "../runner.js";
import { discoverTerragruntUnits } from "../terragrunt/discover-terragrunt-units.js";
import { affectedProjects } from "./affected-projects.js";
import { discoverTerraformProjects } from "./discover-terraform-projects.js";

/**
 * Root modules (a dir of `.tf` files no other dir uses as a module); a change in a local module
 * touches every root using it. Dirs of Terragrunt units and their local sources are Terragrunt's:
 * Terragrunt plans them, with its inputs.
 */
export const terraformDetector: ProjectDetector = {
  kind: "terraform",
  detect(tree, changedFiles) {
    const found = discoverTerraformProjects(tree);
    const claimed = tree.terragrunt ? discoverTerragruntUnits(tree).claimed : new Set<string>();
    const mine = claimed.size ? { ...found, projects: found.projects.filter((p) => !claimed.has(p.dir)) } : found;
    return { projects: mine.projects, affected: affectedProjects(tree, [...changedFiles], mine) };
  },
};

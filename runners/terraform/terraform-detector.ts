import type { ProjectDetector } from "../runner.js";
import { affectedProjects } from "./affected-projects.js";
import { discoverTerraformProjects } from "./discover-terraform-projects.js";

/** Root modules (a dir of `.tf` files no other dir uses as a module); a change in a local module touches every root using it. */
export const terraformDetector: ProjectDetector = {
  kind: "terraform",
  detect(tree, changedFiles) {
    const found = discoverTerraformProjects(tree);
    return { projects: found.projects, affected: affectedProjects(tree, [...changedFiles], found) };
  },
};

import type { ProjectDetector } from "../runner.js";
import { detectHelmProjects } from "./detect-helm-projects.js";

const under = (dir: string, file: string) => dir === "." || file === dir || file.startsWith(`${dir}/`);

/** A dir with `Chart.yaml`; touched by any change under it. */
export const helmDetector: ProjectDetector = {
  kind: "helm",
  detect(tree, changedFiles) {
    const projects = detectHelmProjects(tree.files);
    return { projects, affected: projects.filter((p) => changedFiles.some((f) => under(p.dir, f))) };
  },
};

import type { ProjectDetector } from "../runner.js";
import { detectKustomizeProjects } from "./detect-kustomize-projects.js";

const under = (dir: string, file: string) => dir === "." || file === dir || file.startsWith(`${dir}/`);

/** A kustomization dir; touched by a change under it or under any base it uses, transitively. */
export const kustomizeDetector: ProjectDetector = {
  kind: "kustomize",
  detect(tree, changedFiles) {
    const kz = detectKustomizeProjects({ files: tree.files, refs: tree.kustomizeRefs });
    const affected = kz.projects.filter((p) => changedFiles.some((f) => usesChanged(p.dir, f, kz.bases)));
    return { projects: kz.projects, affected };
  },
};

function usesChanged(dir: string, file: string, bases: Map<string, Set<string>>): boolean {
  if (under(dir, file)) return true;
  const seen = new Set<string>();
  const stack = [...bases.keys()].filter((b) => under(b, file));
  while (stack.length) {
    const base = stack.pop() as string;
    if (seen.has(base)) continue;
    seen.add(base);
    for (const user of bases.get(base) ?? []) {
      if (user === dir) return true;
      stack.push(user);
    }
  }
  return false;
}

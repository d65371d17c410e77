import { resolveFrom } from "./repo-path.js";

/**
 * The repo paths `starts` reach through local references (Terraform module sources, kustomize
 * bases and components), each followed through the references of what it reaches, cycles
 * included; and the references that lead out of the repository, which are not followed.
 */
export function localClosure(
  starts: readonly string[],
  refsOf: (dir: string) => readonly string[],
): { paths: Set<string>; escaping: { dir: string; ref: string }[] } {
  const paths = new Set<string>(starts);
  const escaping: { dir: string; ref: string }[] = [];
  const queue = [...paths];
  for (let dir = queue.pop(); dir !== undefined; dir = queue.pop()) {
    for (const ref of refsOf(dir)) {
      const path = resolveFrom(dir, ref);
      if (path === undefined) escaping.push({ dir, ref });
      else if (!paths.has(path)) {
        paths.add(path);
        queue.push(path);
      }
    }
  }
  return { paths, escaping };
}

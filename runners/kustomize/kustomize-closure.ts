import { localClosure } from "../../src/util/local-closure.js";

/**
 * The repo paths a kustomization renders from: its dir, every path its kustomization names
 * (resources, bases, components, patches, generators' files…) and, for each named dir that is a
 * kustomization, the same again. `refs` holds each kustomization dir's refs (ProjectTree's
 * `kustomizeRefs`); a path with no entry there (a file, a plain dir) is a leaf. References that
 * leave the repository are not followed.
 */
export function kustomizeClosure(dir: string, refs: ReadonlyMap<string, readonly string[]>): Set<string> {
  return localClosure([dir], (d) => refs.get(d) ?? []).paths;
}

const under = (dir: string, file: string) => dir === "." || file === dir || file.startsWith(`${dir}/`);

/** How many changed files the reasons name before "N more changed files". */
const LISTED = 4;

/**
 * The reasons, one per changed file (at most a few, then a count), that a project reading
 * `paths` is touched: `` `base/deployment.yaml`, rendered through `base` ``.
 * Empty when no changed file lies in `paths`.
 */
export function changedReasons(
  own: string,
  paths: ReadonlySet<string>,
  changedFiles: readonly string[],
  how: (via: string) => string = (via) => `rendered through \`${via}\``,
): string[] {
  const hits: string[] = [];
  for (const file of changedFiles) {
    const via = under(own, file) ? own : [...paths].find((p) => under(p, file));
    if (via === undefined) continue;
    hits.push(via === own ? `\`${file}\`` : `\`${file}\`, ${how(via)}`);
  }
  if (hits.length <= LISTED) return hits;
  const more = hits.length - LISTED;
  return [...hits.slice(0, LISTED), `${more} more changed ${more === 1 ? "file" : "files"}`];
}

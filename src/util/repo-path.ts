// Directories whose .tf files are tool caches or vendored code, never projects of their own.
const IGNORED_SEGMENTS: ReadonlySet<string> = new Set([".terraform", "node_modules", ".git"]);

/** An empty path, an empty, `.` or `..` segment: what cleanRepoPath has to work on. */
const NEEDS_CLEANING = /^$|^\/|\/$|\/\/|(^|\/)\.{1,2}(\/|$)/;

/** `a/./b//c/` -> `a/b/c`, `./` or `` -> `.`; undefined when it climbs out of the repo root. */
export function cleanRepoPath(path: string): string | undefined {
  // Nearly every path of a repo is clean already: a big monorepo's 200,000 are not split and joined.
  if (!NEEDS_CLEANING.test(path)) return path;
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.pop() === undefined) return undefined;
      continue;
    }
    out.push(segment);
  }
  return out.length === 0 ? "." : out.join("/");
}

/** Directory of a clean repo path: `a/b/c.tf` -> `a/b`, `c.tf` -> `.`, `.` -> `.`. */
export function parentDir(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : path.slice(0, slash);
}

/** Resolves `source` relative to the clean dir `from`; undefined when it leaves the repo. */
export function resolveFrom(from: string, source: string): string | undefined {
  return cleanRepoPath(from === "." ? source : `${from}/${source}`);
}

/** `rel` of a clean `path` inside the clean `dir` (`.` is the root). */
export function relativeTo(dir: string, path: string): string {
  return dir === "." ? path : path.slice(dir.length + 1);
}

export function isIgnoredPath(path: string): boolean {
  // Most paths name none of them: no split for those.
  if (!path.includes(".terraform") && !path.includes("node_modules") && !path.includes(".git")) return false;
  return path.split("/").some((segment) => IGNORED_SEGMENTS.has(segment));
}

export function isTerraformFile(path: string): boolean {
  return path.endsWith(".tf") || path.endsWith(".tf.json");
}

/** Plain code-unit order: stable across locales and runtimes. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

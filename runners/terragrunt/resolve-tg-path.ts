import type { TgPath } from "../../src/model/project-tree.js";
import { cleanRepoPath, parentDir, resolveFrom } from "../../src/util/repo-path.js";

/** Where a Terragrunt path points: a repo path, nowhere known (computed, remote), or outside the repo (refused). */
export type Resolved = { path: string } | { outside: string } | { unknown: string };

export interface PathContext {
  /** Dir of the file the path is written in, or of the unit when the file is evaluated as the unit's (an include). */
  baseDir: string;
  /** The unit's dir: `get_terragrunt_dir()`, and where `find_in_parent_folders` starts. */
  unitDir: string;
  /** The dir of the included file being read (`get_parent_terragrunt_dir()`); absent in the unit's own file. */
  includedDir?: string;
  /** Is this repo path a file of the tree? */
  exists: (path: string) => boolean;
}

/**
 * A Terragrunt path as a clean repo path. Paths that leave the repository (`../../..`, absolute)
 * resolve to `outside`: discovery never reads them, and says so. `find_in_parent_folders("x")`
 * is the first `x` in a dir above the unit's, as Terragrunt looks for it.
 */
export function resolveTgPath(path: TgPath, ctx: PathContext): Resolved {
  switch (path.kind) {
    case "relative":
      return within(resolveFrom(ctx.baseDir, path.path), path.path);
    case "unit":
      return within(resolveFrom(ctx.unitDir, path.path), `\${get_terragrunt_dir()}/${path.path}`);
    case "repo":
      return within(cleanRepoPath(path.path), `\${get_repo_root()}/${path.path}`);
    case "including":
      if (ctx.includedDir === undefined) return { unknown: `\${get_parent_terragrunt_dir()}/${path.path}` };
      return within(resolveFrom(ctx.includedDir, path.path), `\${get_parent_terragrunt_dir()}/${path.path}`);
    case "parent": {
      const found = findInParentFolders(ctx.unitDir, path.name, ctx.exists);
      if (path.beside === undefined || !("path" in found)) return found;
      return within(resolveFrom(parentDir(found.path), path.beside), `\${dirname(find_in_parent_folders("${path.name}"))}/${path.beside}`);
    }
    case "absolute":
      return { outside: path.text };
    default:
      return { unknown: path.text };
  }
}

function within(resolved: string | undefined, written: string): Resolved {
  return resolved === undefined ? { outside: written } : { path: resolved };
}

function findInParentFolders(unitDir: string, name: string, exists: (path: string) => boolean): Resolved {
  if (name.startsWith("/")) return { outside: name };
  for (let dir = unitDir; dir !== "."; ) {
    dir = parentDir(dir);
    const candidate = resolveFrom(dir, name);
    if (candidate === undefined) return { outside: `find_in_parent_folders("${name}")` };
    if (exists(candidate)) return { path: candidate };
  }
  return { unknown: `find_in_parent_folders("${name}") (no such file above the unit)` };
}

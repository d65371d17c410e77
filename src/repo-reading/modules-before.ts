import { findModuleSources, findModuleSourcesInJson, isLocalSource } from "../../runners/terraform/find-module-sources.js";
import type { RepoRef } from "../model/repo.js";
import { isTerraformFile, parentDir, resolveFrom } from "../util/repo-path.js";
import type { Workspace } from "../workspace/workspace.js";

/**
 * Of the Terraform dirs a pull request's changed users take as modules (absorbedDirs), those one of
 * those users already took as a module at the merge base: modules then too, never projects. Reads
 * only the users' files there, so that a change to a module's user costs no read of the whole tree.
 * A file that cannot be read proves nothing (the caller reads the tree then).
 */
export async function modulesBefore(
  workspace: Pick<Workspace, "readFilesAtPaths">,
  repo: RepoRef,
  mergeBase: string,
  absorbed: ReadonlyMap<string, readonly string[]>,
  checkout: { files: readonly string[]; changedFiles: readonly string[] },
): Promise<Set<string>> {
  const users = new Set([...absorbed.values()].flat());
  if (users.size === 0) return new Set();
  // Every file of theirs at the merge base: unchanged ones are at the head, the others changed.
  const paths = [...new Set([...checkout.files, ...checkout.changedFiles])].filter((f) => isTerraformFile(f) && users.has(parentDir(f)));
  const texts = await workspace
    .readFilesAtPaths(
      repo,
      paths.map((path) => ({ sha: mergeBase, path })),
    )
    .catch(() => [] as (string | undefined)[]);
  const used = new Set<string>();
  paths.forEach((path, i) => {
    const text = texts[i];
    if (text === undefined) return;
    const sources = path.endsWith(".json") ? findModuleSourcesInJson(text) : findModuleSources(text);
    for (const s of sources) if (isLocalSource(s)) used.add(resolveFrom(parentDir(path), s) ?? "");
  });
  return new Set([...absorbed.keys()].filter((dir) => used.has(dir)));
}

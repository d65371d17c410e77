import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { findModuleSources, type RepoTree } from "../projects/discover-terraform-projects.js";
import { findModuleSourcesInJson } from "../projects/find-module-sources.js";

const TF_FILE = /\.tf(\.json)?$/;

/** Builds the pure RepoTree from a checkout: file list plus local module sources per dir. */
export async function readRepoTree(checkoutDir: string, files: string[]): Promise<RepoTree> {
  const tfSources = new Map<string, string[]>();
  const tfFiles = files.filter((f) => TF_FILE.test(f) && !/(^|\/)\.terraform\//.test(f));
  await Promise.all(
    tfFiles.map(async (f) => {
      const text = await readFile(join(checkoutDir, f), "utf8").catch(() => "");
      const sources = f.endsWith(".json") ? findModuleSourcesInJson(text) : findModuleSources(text);
      if (sources.length === 0) return;
      const dir = posix.dirname(f);
      const list = tfSources.get(dir) ?? [];
      list.push(...sources);
      tfSources.set(dir, list);
    }),
  );
  return { files, tfSources };
}

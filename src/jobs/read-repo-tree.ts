import { lstat, readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { kustomizationRefs } from "../../runners/kustomize/detect-kustomize-projects.js";
import { KUSTOMIZATION_FILES } from "../../runners/kustomize/kustomize-settings.js";
import { findModuleSources } from "../projects/discover-terraform-projects.js";
import type { ProjectTree } from "../projects/resolve-projects.js";
import { findModuleSourcesInJson } from "../projects/find-module-sources.js";

const TF_FILE = /\.tf(\.json)?$/;

const isKustomization = (f: string) => (KUSTOMIZATION_FILES as readonly string[]).includes(posix.basename(f));

/**
 * Builds the pure ProjectTree from a checkout: the file list, local module sources per dir, and
 * the local references of each kustomization. Reads only regular files inside the checkout.
 */
export async function readRepoTree(
  checkoutDir: string,
  files: string[],
  /** Terraform files that may hold a local module source (from `git grep`); default: every one. */
  mayHaveLocalSources?: ReadonlySet<string>,
): Promise<ProjectTree> {
  const tfSources = new Map<string, string[]>();
  const tfFiles = files.filter(
    (f) => TF_FILE.test(f) && !/(^|\/)\.terraform\//.test(f) && (!mayHaveLocalSources || mayHaveLocalSources.has(f)),
  );
  await Promise.all(
    tfFiles.map(async (f) => {
      const text = await readRegular(join(checkoutDir, f));
      const sources = f.endsWith(".json") ? findModuleSourcesInJson(text) : findModuleSources(text);
      if (sources.length === 0) return;
      const dir = posix.dirname(f);
      const list = tfSources.get(dir) ?? [];
      list.push(...sources);
      tfSources.set(dir, list);
    }),
  );
  const kustomizeRefs = new Map<string, string[]>();
  await Promise.all(
    files.filter(isKustomization).map(async (f) => {
      const text = await readRegular(join(checkoutDir, f));
      kustomizeRefs.set(posix.dirname(f), kustomizationRefs(text));
    }),
  );
  return { files, tfSources, kustomizeRefs };
}

/** A symlink in the repo must not make Sluice read a server file: only regular files count. */
async function readRegular(path: string): Promise<string> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile() || info.size > 1024 * 1024) return "";
  return readFile(path, "utf8").catch(() => "");
}

import { posix } from "node:path";
import { kustomizationRefs } from "../../runners/kustomize/detect-kustomize-projects.js";
import { KUSTOMIZATION_FILES } from "../../runners/kustomize/kustomize-settings.js";
import { findModuleSources } from "../../runners/terraform/discover-terraform-projects.js";
import { findModuleSourcesInJson } from "../../runners/terraform/find-module-sources.js";
import type { ProjectTree } from "../projects/resolve-projects.js";
import { readCheckoutFile } from "../util/read-checkout-file.js";

const TF_FILE = /\.tf(\.json)?$/;
/** Files read between yields to the event loop, so webhooks are still answered promptly. */
const BATCH = 256;

const isKustomization = (f: string) => (KUSTOMIZATION_FILES as readonly string[]).includes(posix.basename(f));

/**
 * Builds the pure ProjectTree from a checkout: the file list, local module sources per dir, and
 * the local references of each kustomization. Reads only regular files inside the checkout.
 * Thousands of small reads are much faster synchronously than as thousands of promises, so they
 * run in batches with a yield in between.
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
  await inBatches(tfFiles, (f) => {
    const text = readRegular(checkoutDir, f);
    const sources = f.endsWith(".json") ? findModuleSourcesInJson(text) : findModuleSources(text);
    if (sources.length === 0) return;
    const dir = posix.dirname(f);
    const list = tfSources.get(dir) ?? [];
    list.push(...sources);
    tfSources.set(dir, list);
  });
  const kustomizeRefs = new Map<string, string[]>();
  await inBatches(files.filter(isKustomization), (f) => {
    kustomizeRefs.set(posix.dirname(f), kustomizationRefs(readRegular(checkoutDir, f)));
  });
  return { files, tfSources, kustomizeRefs };
}

async function inBatches<T>(items: T[], each: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) {
    for (const item of items.slice(i, i + BATCH)) each(item);
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * A symlink in the repo must not make Sluice read a server file, a device or a FIFO, nor a huge
 * file: what cannot be read contributes no module sources or refs (terraform and kustomize report
 * such a file themselves when they run).
 */
function readRegular(checkoutDir: string, file: string): string {
  const read = readCheckoutFile(checkoutDir, file);
  return read.ok ? read.text : "";
}

import { lstat, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { KeyedMutex } from "../../src/util/keyed-mutex.js";
import { readCheckoutFile } from "../../src/util/read-checkout-file.js";

/**
 * A provider cache shared by every project. Parallel `terraform init`s that download into one
 * cache race on the same files ("text file busy", half-written binaries): so an init that may
 * download holds a lock, while an init whose providers are all cached already (it only links
 * them) runs in parallel, as does one whose config uses no external provider at all.
 *
 * The cache is shared by every repository and PR, so only what terraform installs from its
 * registry may enter it:
 * - `TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE` is never set: terraform uses a cached
 *   provider only when the project's lock file has its checksum;
 * - a project that bundles providers (a `terraform.d` dir beside its config: terraform's implied
 *   local mirror) runs without the cache. Terraform would otherwise install the bundled provider
 *   into the cache — as a symlink into that PR's checkout — where other projects' inits find it.
 *
 * In the sandbox every run sees the cache read-only; only an init that may download, holding the
 * lock, gets it writable (`writable` lists the cache dir then). So the only writer is terraform's
 * own download, one at a time; plan, apply and `run` steps (where a PR's code runs) never can.
 */
export interface PluginCache {
  /** What a run in `projectDir` gets: the cache, or nothing when the project bundles providers. */
  envFor(projectDir: string): Promise<Record<string, string>>;
  guard<T>(checkoutDir: string, projectDir: string, init: (access: { writable: string[] }) => Promise<T>): Promise<T>;
}

/** Terraform's implied local mirror in the working dir: `terraform.d/plugins` (any entry counts). */
async function bundlesProviders(projectDir: string): Promise<boolean> {
  return lstat(join(projectDir, "terraform.d")).then(
    () => true,
    () => false,
  );
}

/** `provider "registry.terraform.io/hashicorp/aws" { version = "5.1.0"` in a dependency lock file. */
const LOCKED = /provider\s+"([^"]+)"\s*\{[^}]*?version\s*=\s*"([^"]+)"/g;
/** Resource or data types, provider blocks and required_providers: anything but the builtin provider. */
const USES_PROVIDER = /^\s*(?:(?:resource|data)\s+"(?!terraform_)[^"]+"|provider\s+"|required_providers\b)/m;

export function lockedProviders(lockFile: string): { source: string; version: string }[] {
  return [...lockFile.matchAll(LOCKED)].map((m) => ({ source: m[1] as string, version: m[2] as string }));
}

export function createPluginCache(
  dir: string,
  platform = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`,
): PluginCache {
  const downloads = new KeyedMutex();
  const cached = async (p: { source: string; version: string }) =>
    (await readdir(join(dir, p.source, p.version)).catch(() => [] as string[])).includes(platform);

  /** Reads the PR's files as every file Sluice reads from a checkout: regular, inside, capped. */
  async function mayDownload(checkoutDir: string, projectDir: string): Promise<boolean> {
    const read = (name: string) => readCheckoutFile(checkoutDir, relative(checkoutDir, join(projectDir, name)));
    const lock = read(".terraform.lock.hcl");
    if (lock.ok) {
      const providers = lockedProviders(lock.text);
      return !(await Promise.all(providers.map(cached))).every(Boolean);
    }
    const files = (await readdir(projectDir).catch(() => [] as string[])).filter((f) => f.endsWith(".tf"));
    for (const f of files) {
      const tf = read(f);
      // A file Sluice may not read could declare anything: assume it downloads.
      if (!tf.ok || USES_PROVIDER.test(tf.text)) return true;
    }
    // Local modules can bring providers too; without a lock file that is only known after init.
    return files.length === 0;
  }

  return {
    async envFor(projectDir): Promise<Record<string, string>> {
      if (await bundlesProviders(projectDir)) return {};
      return { TF_PLUGIN_CACHE_DIR: dir };
    },
    async guard(checkoutDir, projectDir, init) {
      // Without the cache, downloads go to the project's own data dir: nothing shared to race on.
      if ((await bundlesProviders(projectDir)) || !(await mayDownload(checkoutDir, projectDir))) return init({ writable: [] });
      return downloads.run("download", () => init({ writable: [dir] }));
    },
  };
}

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { KeyedMutex } from "../../src/workspace/keyed-mutex.js";

/**
 * A provider cache shared by every project. Parallel `terraform init`s that download into one
 * cache race on the same files ("text file busy", half-written binaries): so an init that may
 * download holds a lock, while an init whose providers are all cached already (it only links
 * them) runs in parallel, as does one whose config uses no external provider at all.
 *
 * In the sandbox every run sees the cache read-only; only an init that may download, holding the
 * lock, gets it writable (`writable` lists the cache dir then). So the only writer is terraform's
 * own download, one at a time; plan, apply and `run` steps (where a PR's code runs) never can.
 */
export interface PluginCache {
  env: Record<string, string>;
  guard<T>(projectDir: string, init: (access: { writable: string[] }) => Promise<T>): Promise<T>;
}

/** `provider "registry.terraform.io/hashicorp/aws" { version = "5.1.0"` in a dependency lock file. */
const LOCKED = /provider\s+"([^"]+)"\s*\{[^}]*?version\s*=\s*"([^"]+)"/g;
/** Resource or data types, provider blocks and required_providers: anything but the builtin provider. */
const USES_PROVIDER = /^\s*(?:(?:resource|data)\s+"(?!terraform_)[^"]+"|provider\s+"|required_providers\b)/m;

export function lockedProviders(lockFile: string): { source: string; version: string }[] {
  return [...lockFile.matchAll(LOCKED)].map((m) => ({ source: m[1] as string, version: m[2] as string }));
}

export function createPluginCache(dir: string, platform = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`): PluginCache {
  const downloads = new KeyedMutex();
  const cached = async (p: { source: string; version: string }) =>
    (await readdir(join(dir, p.source, p.version)).catch(() => [] as string[])).includes(platform);

  async function mayDownload(projectDir: string): Promise<boolean> {
    const lock = await readFile(join(projectDir, ".terraform.lock.hcl"), "utf8").catch(() => undefined);
    if (lock !== undefined) {
      const providers = lockedProviders(lock);
      return !(await Promise.all(providers.map(cached))).every(Boolean);
    }
    const files = (await readdir(projectDir).catch(() => [] as string[])).filter((f) => f.endsWith(".tf"));
    for (const f of files) {
      if (USES_PROVIDER.test(await readFile(join(projectDir, f), "utf8").catch(() => ""))) return true;
    }
    // Local modules can bring providers too; without a lock file that is only known after init.
    return files.length === 0;
  }

  return {
    env: { TF_PLUGIN_CACHE_DIR: dir, TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE: "true" },
    async guard(projectDir, init) {
      if (!(await mayDownload(projectDir))) return init({ writable: [] });
      return downloads.run("download", () => init({ writable: [dir] }));
    },
  };
}

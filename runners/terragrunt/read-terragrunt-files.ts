import { createHash } from "node:crypto";
import type { TgFile } from "../../src/model/project-tree.js";
import { isIgnoredPath } from "../../src/util/repo-path.js";
import { hclParser, parseTerragruntHcl } from "./parse-terragrunt-hcl.js";

/** Parsed files kept by content: a monorepo's next pull request re-parses only what changed. */
const CACHE_LIMIT = 50_000;
const cache = new Map<string, TgFile>();

/** The `.hcl` files Terragrunt configuration may live in (lock files and tool caches are not). */
export function isTerragruntConfigFile(path: string): boolean {
  return path.endsWith(".hcl") && !path.endsWith(".terraform.lock.hcl") && !path.includes(".terragrunt-cache/") && !isIgnoredPath(path);
}

/**
 * Parses each file once per content (HCL2, tree-sitter's grammar); a file that is not valid HCL
 * carries its error, so the plan comment can say which unit's configuration could not be followed.
 * `yieldEvery`: files parsed between returns to the event loop.
 */
export async function readTerragruntFiles(texts: ReadonlyMap<string, string>, yieldEvery = 256): Promise<Map<string, TgFile>> {
  const parser = await hclParser();
  const out = new Map<string, TgFile>();
  let n = 0;
  for (const [path, text] of texts) {
    const key = createHash("sha1").update(text).digest("base64");
    let parsed = cache.get(key);
    if (!parsed) {
      parsed = parseTerragruntHcl(parser, text);
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
      cache.set(key, parsed);
    }
    out.set(path, parsed);
    if (++n % yieldEvery === 0) await new Promise((r) => setImmediate(r));
  }
  return out;
}

/** Forgets parsed files (benchmarks measure a cold start). */
export function clearTerragruntParseCache(): void {
  cache.clear();
}

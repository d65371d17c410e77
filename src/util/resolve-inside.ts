import { realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";

/**
 * Resolves `rel` under `root` following symlinks, and refuses anything that ends up outside:
 * a repo may contain a symlink to /etc, and `..` may hide in config or comment arguments.
 * Returns the real path, or an error message that names the offending path.
 */
export async function resolveInside(root: string, rel: string): Promise<{ ok: true; path: string } | { ok: false; reason: string }> {
  if (isAbsolute(rel) || rel.split(/[\\/]/).includes("..")) {
    return { ok: false, reason: `\`${rel}\` must be a relative path inside the repository` };
  }
  let realRoot: string;
  let real: string;
  // One realpath(3) each, on this thread: a trip through libuv's pool costs more than the call.
  try {
    realRoot = realpathSync.native(root);
    real = realpathSync.native(resolve(root, rel));
  } catch {
    return { ok: false, reason: `\`${rel}\` does not exist in the repository` };
  }
  const r = relative(realRoot, real);
  if (r === "" || (!r.startsWith(`..${sep}`) && r !== ".." && !isAbsolute(r))) {
    return { ok: true, path: real };
  }
  return { ok: false, reason: `\`${rel}\` resolves outside the repository (through a symlink)` };
}

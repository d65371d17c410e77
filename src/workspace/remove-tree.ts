import { lstat } from "node:fs/promises";
import { exec } from "../../runners/exec.js";

/**
 * Removes a dir a run may have written, whatever it holds: any depth (a 1,000-level tree whose
 * paths are far beyond PATH_MAX), any names, symlinks (removed, never followed), FIFOs, dirs the
 * run made unreadable. Node's `fs.rm` walks by path strings and stops at ENAMETOOLONG; GNU `rm`
 * walks with directory file descriptors (fts with openat/unlinkat), so depth costs it nothing.
 * `--one-file-system` keeps it off any mount it finds below (none is expected). When the first
 * pass fails (a dir the run left without permissions, for a non-root Sluice), the tree is made
 * writable by its owner (chmod never follows symlinks while recursing) and removed again.
 * Throws when the dir is still there.
 */
export async function removeTree(dir: string, timeoutMs = 10 * 60_000): Promise<void> {
  const gone = () =>
    lstat(dir).then(
      () => false,
      () => true,
    );
  if (await gone()) return;
  const rm = () => exec("rm", ["-rf", "--one-file-system", "--", dir], { cwd: "/", timeoutMs });
  let r = await rm();
  if (r.exitCode !== 0 && !(await gone())) {
    await exec("chmod", ["-R", "u+rwx", "--", dir], { cwd: "/", timeoutMs });
    r = await rm();
  }
  if (!(await gone())) throw new Error(`could not remove ${dir}: ${(r.stderr || r.stdout).trim().split("\n")[0] ?? `exit ${r.exitCode}`}`);
}

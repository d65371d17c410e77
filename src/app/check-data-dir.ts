import { lstatSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EnvError } from "../config/env-config.js";
import { errorMessage } from "../util/errors.js";

/**
 * Creates the data dir and proves it is writable by writing into it: a root-owned volume mounted
 * for a non-root user, or a path under a file, stops Sluice at start with the variable's name,
 * not at the first clone. (A permission check would lie when running as root.)
 */
export function checkDataDir(dir: string, variable = "SLUICE_DATA_DIR"): void {
  const probe = join(dir, `.write-check-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, "");
    rmSync(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? errorMessage(e);
    throw new EnvError(`${variable}: cannot write ${dir} (${code}); create it and give the user Sluice runs as write access`);
  }
}

/**
 * The worktrees' own dir under SLUICE_WORKTREE_DIR (dataPaths.worktreeRoot), made 0700 and
 * proved Sluice's: that dir is often a shared tmpfs (/dev/shm), where another local user could
 * have made the name first, as a link to somewhere else or as a dir of theirs to read PRs' files
 * from. Either stops Sluice at start.
 */
export function checkWorktreeRoot(worktreeDir: string, root: string): void {
  checkDataDir(worktreeDir, "SLUICE_WORKTREE_DIR");
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const st = lstatSync(root);
  const problem = !st.isDirectory()
    ? "is not a directory (a link?)"
    : st.uid !== process.getuid?.()
      ? `is owned by uid ${st.uid}, not by the user Sluice runs as`
      : (st.mode & 0o077) !== 0
        ? `is open to other users (mode ${(st.mode & 0o777).toString(8)})`
        : undefined;
  if (problem) throw new EnvError(`SLUICE_WORKTREE_DIR: ${root} ${problem}; remove it, and Sluice makes it again (0700) at start`);
  checkDataDir(root, "SLUICE_WORKTREE_DIR");
}

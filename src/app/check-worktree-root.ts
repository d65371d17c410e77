import { lstatSync, mkdirSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { EnvError } from "../config/env-config.js";
import { DataDirInUseError, lockDataDir } from "../store/data-dir-lock.js";
import { notOwnDir } from "../workspace/worktrees.js";
import { checkDataDir } from "./check-data-dir.js";

/**
 * The worktrees' own dir under SLUICE_WORKTREE_DIR (dataPaths.worktreeRoot), made 0700 and
 * proved Sluice's: that dir is often a shared tmpfs (/dev/shm), where another local user could
 * have made the name first, as a link to somewhere else or as a dir of theirs to read PRs' files
 * from. Either stops Sluice at start.
 */
export function checkWorktreeRoot(worktreeDir: string, root: string): void {
  checkDataDir(worktreeDir, "SLUICE_WORKTREE_DIR");
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const problem = notOwnDir(lstatSync(root));
  if (problem) throw new EnvError(`SLUICE_WORKTREE_DIR: ${root} ${problem}; remove it, and Sluice makes it again (0700) at start`);
  // Checked once, at start: so no other user may ever swap it. One who can rename entries in a
  // dir above it (theirs, or open to them without the sticky bit, as /dev/shm has it) could move
  // Sluice's dir away after this check and put a link or a dir of theirs in its place.
  for (const dir of [...ancestors(resolve(worktreeDir)), ...ancestors(realpathSync.native(worktreeDir))]) {
    const unsafe = swappable(dir);
    if (unsafe)
      throw new EnvError(
        `SLUICE_WORKTREE_DIR: ${dir}, above ${root}, ${unsafe}: another user could swap the worktrees' dir for theirs after start; use a dir only Sluice's user (or root) can write, or one with the sticky bit (as /dev/shm)`,
      );
  }
  checkDataDir(root, "SLUICE_WORKTREE_DIR");
  holdWorktreeRoot(root);
}

/** The worktree roots this process holds, for its whole life (a lock let go by the GC is no lock). */
const held: (() => void)[] = [];

/**
 * One process per worktrees' dir: its root is named after the data dir's path, which two replicas
 * (containers with the same path, sharing the host's /dev/shm) can have alike, and each would
 * discard the other's worktrees while they ran. The second is refused at start, saying why.
 */
export function holdWorktreeRoot(root: string): () => void {
  try {
    const release = lockDataDir(
      join(root, "worktrees"),
      (holder, lockFile) =>
        `SLUICE_WORKTREE_DIR: another Sluice process${holder} writes its worktrees in ${root} (it holds ${lockFile}), named after a data dir at the same path as this one's; give each its own SLUICE_WORKTREE_DIR`,
    );
    held.push(release);
    return release;
  } catch (e) {
    if (e instanceof DataDirInUseError) throw new EnvError(e.message);
    throw e;
  }
}

/** `path` and every dir above it, up to /. */
function ancestors(path: string): string[] {
  const all = [path];
  for (let p = path; dirname(p) !== p; p = dirname(p)) all.push(dirname(p));
  return all;
}

/** Why another user could rename what lies in `path` (or repoint it, a link), or undefined. */
function swappable(path: string): string | undefined {
  const st = lstatSync(path);
  if (st.uid !== process.getuid?.() && st.uid !== 0) return `is owned by uid ${st.uid}`;
  if (st.isSymbolicLink()) return undefined;
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0)
    return `is open to other users without the sticky bit (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

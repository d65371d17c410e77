import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { lstat, mkdir, readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { dirsDiskUse } from "../../runners/exec.js";
import type { KeyedMutex } from "../util/keyed-mutex.js";
import { conePaths } from "./cone-paths.js";
import { removeTree } from "./remove-tree.js";
import type { RunGit } from "./run-git.js";
import type { TreeListings } from "./tree-listings.js";
import type { Checkout } from "./workspace.js";

/**
 * The worktrees handed to jobs: plain files (no `.git`) written from a mirror through an index of
 * Sluice's own, each used by one job at a time, discarded (never reused) once no job holds it.
 */
export class Worktrees {
  /** Worktrees a job is using right now (path -> users): never moved away under it. */
  private readonly inUse = new Map<string, number>();
  /** Worktrees being freed after a run filled them (see freeIfOverQuota). */
  private readonly freeing = new Set<Promise<void>>();

  constructor(
    /** The data dir, or its own dir under SLUICE_WORKTREE_DIR (dataPaths.worktreeRoot). */
    private readonly root: string,
    private readonly git: RunGit,
    /** The workspace's per-repository locks: every write to a repo's mirror or worktrees takes one. */
    private readonly locks: KeyedMutex,
    private readonly listings: TreeListings,
    /**
     * A worktree holding more than this when its last job lets go of it (a run filled it past
     * `limits.disk` and was stopped) is discarded at once instead of at the PR's next checkout.
     */
    private readonly discardOverBytes?: number,
    /**
     * The root is Sluice's own dir under SLUICE_WORKTREE_DIR (0700): proved again before each
     * worktree is written, since a cleanup of that tmpfs may have removed it after the start's
     * check, and another local user made the name since (ownRoot).
     */
    private readonly privateRoot = false,
  ) {}

  /**
   * Removes what a process stopped between a discard's rename and its removal left in the trash
   * (on a tmpfs, memory held until the host reboots). Only what is there now: a discard of this
   * process renames into the trash meanwhile and removes its own.
   */
  async sweepTrash(): Promise<void> {
    const trash = join(this.root, "worktrees", ".trash");
    for (const name of await readdir(trash).catch(() => [] as string[])) await removeTree(join(trash, name));
  }

  /** With privateRoot: the root made again 0700 when gone, and refused when it is not Sluice's own. */
  private async ownRoot(): Promise<void> {
    if (!this.privateRoot) return;
    // Not recursive: the dirs above it were proved at start (checkWorktreeRoot); mode is never widened by the umask.
    await mkdir(this.root, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e;
    });
    const problem = notOwnDir(await lstat(this.root));
    if (problem) throw new Error(`the worktrees' dir ${this.root} is no longer Sluice's own (it ${problem}): no worktree is written there`);
  }

  /** Where a checkout's own index lives: beside the worktrees, never inside one (a run sees only its checkout). */
  indexFile(dir: string): string {
    return `${dir}.index`.replace(`${join(this.root, "worktrees")}/`, `${join(this.root, "checkout-index")}/`);
  }

  /** Marks a worktree in use until the returned release is called (once; later calls do nothing). */
  private hold(dir: string, key: string): () => void {
    this.inUse.set(dir, (this.inUse.get(dir) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inUse.get(dir) ?? 1) - 1;
      if (left > 0) this.inUse.set(dir, left);
      else {
        this.inUse.delete(dir);
        this.freeIfOverQuota(dir, key);
      }
    };
  }

  /** Frees the space of a worktree a run filled past the quota, as soon as no job holds it. */
  private freeIfOverQuota(dir: string, key: string): void {
    const limit = this.discardOverBytes;
    if (!limit) return;
    // Under the repo's lock, like every checkout: a new worktree of the same name is never taken for this one.
    const done = this.locks
      .run(key, async () => {
        if (this.inUse.has(dir)) return;
        // Every job's end asks, under the repo's lock: walked in the spawner (no `du` per job), and
        // counted as the run's limit counts it. One that cannot be read or measured is discarded
        // now, as the next checkout would.
        const used = await dirsDiskUse([dir]).catch(() => Number.POSITIVE_INFINITY);
        if (used > limit) await this.discard(dir);
      })
      .catch(() => undefined);
    this.freeing.add(done);
    void done.finally(() => this.freeing.delete(done));
  }

  /**
   * A new worktree at `sha` under `root`: plain files written by git from the mirror and an index
   * of Sluice's own (outside every worktree), with no `.git` in it. Every earlier worktree under
   * `root` that no job holds is discarded first: a run may have written it (a `.git` of its own,
   * hooks, attributes, links, a tree too deep for path names), so no later git command enters it
   * and no other run gets it. The new one is named after the commit, or after it with a suffix
   * while a job still holds a worktree of that name. Sparse: only the root's files at first.
   */
  async write(key: string, mirror: string, root: string, sha: string, sparse: boolean) {
    await this.ownRoot();
    await this.discardIdle(root);
    await mkdir(root, { recursive: true });
    let dir = join(root, sha);
    for (let n = 2; this.inUse.has(dir) || (await exists(dir)); n++) dir = join(root, `${sha}-${n}`);
    const release = this.hold(dir, key);
    const index = this.indexFile(dir);
    // Each dir written: whole (true) or without its subdirs (false).
    const written = { all: !sparse, dirs: new Map<string, boolean>() };
    try {
      await mkdir(dir);
      await mkdir(join(index, ".."), { recursive: true });
      await this.git(mirror, ["read-tree", sha], { index });
      if (sparse) await this.writePaths(mirror, dir, index, conePaths((await this.listings.get(mirror, sha)).files, []));
      else await this.git(mirror, ["checkout-index", "--all", "--force"], { workTree: dir, index });
    } catch (e) {
      release();
      await this.discard(dir).catch(() => undefined);
      throw e;
    }
    const widening: Pick<Checkout, "include" | "includeAll"> = {
      include: (dirs, shallow = []) =>
        this.locks.run(key, async () => {
          const filesOnly = new Set(shallow);
          // A dir once whole stays whole.
          const wanted = [...new Set(dirs)].filter(
            (d) => d !== "." && d !== "" && !written.dirs.get(d) && !(filesOnly.has(d) && written.dirs.has(d)),
          );
          if (written.all || wanted.length === 0) return;
          const { files } = await this.listings.get(mirror, sha);
          const cone = (all: ReadonlyMap<string, boolean>) =>
            conePaths(
              files,
              [...all.keys()],
              [...all].filter(([, whole]) => !whole).map(([d]) => d),
            );
          const next = new Map(written.dirs);
          for (const d of wanted) next.set(d, !filesOnly.has(d));
          const had = new Set(cone(written.dirs));
          await this.writePaths(
            mirror,
            dir,
            index,
            cone(next).filter((p) => !had.has(p)),
          );
          written.dirs = next;
        }),
      includeAll: () =>
        this.locks.run(key, async () => {
          if (written.all) return;
          await this.git(mirror, ["checkout-index", "--all", "--force"], { workTree: dir, index });
          written.all = true;
        }),
    };
    return { dir, release, widening };
  }

  /** Writes these paths of the checkout's index into its (fresh) worktree. */
  private async writePaths(mirror: string, dir: string, index: string, paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.git(mirror, ["checkout-index", "--force", "-z", "--stdin"], { workTree: dir, index, input: `${paths.join("\0")}\0` });
  }

  /** Discards every worktree under `root` that no job of this process holds. */
  private async discardIdle(root: string): Promise<void> {
    for (const name of await readdir(root).catch(() => [] as string[])) {
      const dir = join(root, name);
      if (!this.inUse.has(dir)) await this.discard(dir);
    }
  }

  /**
   * Takes a worktree out of every path Sluice uses at once (a rename into the trash), then removes
   * it (see removeTree), with its index.
   */
  async discard(dir: string): Promise<void> {
    // Beside the worktrees: a rename never crosses file systems.
    const trash = join(this.root, "worktrees", ".trash");
    await mkdir(trash, { recursive: true });
    const away = join(trash, randomBytes(8).toString("hex"));
    const moved = await rename(dir, away).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return false;
        throw e;
      },
    );
    await removeTree(this.indexFile(dir)).catch(() => undefined);
    if (moved) await removeTree(away);
  }
}

/**
 * Why a dir (its lstat) is not Sluice's own private one, or undefined: a link or no dir, another
 * user's, or open to others. The worktrees' dir under SLUICE_WORKTREE_DIR must be, at start
 * (checkWorktreeRoot) and before each worktree is written (Worktrees.ownRoot).
 */
export function notOwnDir(st: Stats): string | undefined {
  if (!st.isDirectory()) return "is not a directory (a link?)";
  if (st.uid !== process.getuid?.()) return `is owned by uid ${st.uid}, not by the user Sluice runs as`;
  if ((st.mode & 0o077) !== 0) return `is open to other users (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/** Whether anything is at `path` (a symlink counts; it is not followed). */
export const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

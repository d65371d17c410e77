import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, readFile, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { exec } from "../../runners/exec.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import { KeyedMutex } from "../util/keyed-mutex.js";
import { CHECKOUT_FILE_MAX_BYTES, CheckoutFileError } from "../util/read-checkout-file.js";
import { removeTree } from "./remove-tree.js";
import { conePaths } from "./cone-paths.js";
import { dataPaths } from "./data-paths.js";
import { GIT_ENV, gitArgv } from "./git-command.js";
import { GitError } from "./git-error.js";
import { listTree, readBlobs, readPaths, sparseHazards, type TreeListing } from "./git-objects.js";

export { GitError } from "./git-error.js";

/** Tree listings kept: a 200,000-file listing takes some 30 MB. */
const LISTINGS_KEPT = 2;

export interface CheckoutRequest {
  repo: RepoRef;
  cloneUrl: string;
  token: string;
  pr: number;
  headSha: string;
  baseSha: string;
  baseRef: string;
  /**
   * Write only the files at the repo root at first; the job then adds the dirs it needs
   * (`Checkout.include`) or everything (`Checkout.includeAll`). Default: every file.
   */
  sparse?: boolean;
}

export interface Checkout {
  /** Absolute path of the worktree at headSha. */
  dir: string;
  headSha: string;
  baseSha: string;
  /** Every file path at headSha. */
  files: string[];
  /** Paths changed between the merge base of base and head, and head (both sides of renames). */
  changedFiles: string[];
  /** The merge base of base and head: what the PR's changes are measured against. */
  mergeBase: string;
  /** The caller is done with the worktree: it may be reused for another commit. */
  release(): void;
  /**
   * Writes these dirs (repo paths, `.` = the root's files) to a sparse worktree too, with the
   * files directly in each of their parents (git's cone mode); a full worktree has them already.
   * A worktree only ever grows while a job holds it.
   */
  include(dirs: readonly string[]): Promise<void>;
  /** Writes every file (the dirs a job needs cannot be known). */
  includeAll(): Promise<void>;
}

/**
 * The git adapter: one bare mirror per repo, and for each job a new worktree of plain files (no
 * `.git`) written from the mirror through an index of Sluice's own. A run can write its worktree,
 * so git never works in one after it was handed out and no worktree is handed out twice (see
 * writeCheckout); every git command names the mirror and pins its settings (git-command.ts). The
 * installation token reaches git through an http.extraHeader set in git's environment, so it is
 * neither in argv (visible in `ps`) nor in the mirror's config on disk.
 */
export class GitWorkspace {
  private readonly repoLocks = new KeyedMutex();
  /** Worktrees a job is using right now (path -> users): never moved away under it. */
  private readonly inUse = new Map<string, number>();
  /** The origin URL this process last wrote into each mirror's config. */
  private readonly originUrls = new Map<string, string>();
  /** Worktrees being freed after a run filled them (see freeIfOverQuota). */
  private readonly freeing = new Set<Promise<void>>();
  /** The newest tree listings (mirror + commit -> listing), oldest first. */
  private readonly listings = new Map<string, TreeListing>();

  constructor(
    private readonly dataDir: string,
    private readonly redact: (s: string) => string = (s) => s,
    private readonly timeoutMs = 10 * 60_000,
    /**
     * A worktree holding more than this when its last job lets go of it (a run filled it past
     * `limits.disk` and was stopped) is discarded at once instead of at the PR's next checkout.
     */
    private readonly discardOverBytes?: number,
  ) {}

  mirrorDir(repo: RepoRef): string {
    return dataPaths.mirror(this.dataDir, repo);
  }

  prDir(repo: RepoRef, pr: number): string {
    return dataPaths.prWorktrees(this.dataDir, repo, pr);
  }

  /** Where a checkout's own index lives: beside the worktrees, never inside one (a run sees only its checkout). */
  private indexFile(dir: string): string {
    return `${dir}.index`.replace(`${join(this.dataDir, "worktrees")}/`, `${join(this.dataDir, "checkout-index")}/`);
  }

  /**
   * One git command on `gitDir` (a mirror), hardened as git-command.ts says; `workTree` only when
   * writing a fresh checkout, with `index` as its index. Throws GitError when git fails.
   */
  private async git(
    gitDir: string,
    args: string[],
    opts: { token?: string; redact?: (s: string) => string; workTree?: string; index?: string; input?: string; okCodes?: number[] } = {},
  ) {
    const env: Record<string, string> = { ...GIT_ENV, ...(opts.index ? { GIT_INDEX_FILE: opts.index } : {}) };
    let redact = opts.redact ?? this.redact;
    if (opts.token) {
      const basic = Buffer.from(`x-access-token:${opts.token}`).toString("base64");
      Object.assign(env, {
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "http.extraHeader",
        GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
      });
      const token = opts.token;
      const outer = redact;
      redact = (s) => outer(s.split(token).join("[redacted]").split(basic).join("[redacted]"));
    }
    const r = await exec("git", gitArgv(gitDir, args, opts.workTree), {
      cwd: gitDir,
      env,
      timeoutMs: this.timeoutMs,
      redact,
      input: opts.input,
    });
    if (r.exitCode === null || !(opts.okCodes ?? [0]).includes(r.exitCode)) {
      throw new GitError(`git ${args[0]} failed (${r.timedOut ? "timed out" : `exit ${r.exitCode}`})`, (r.stderr || r.stdout).trim());
    }
    return { stdout: r.stdout, exitCode: r.exitCode };
  }

  private async gitOut(gitDir: string, args: string[], opts: { token?: string } = {}): Promise<string> {
    return (await this.git(gitDir, args, opts)).stdout;
  }

  private async ensureMirror(repo: RepoRef, cloneUrl: string): Promise<string> {
    const mirror = this.mirrorDir(repo);
    const exists = await stat(join(mirror, "HEAD")).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(mirror, { recursive: true });
      await this.git(mirror, ["init", "--bare", "--quiet"]);
    }
    // The clone URL can change (repo renamed or transferred): always take the payload's (once per
    // URL change: this process is the only writer of its mirrors' config).
    if (!exists || this.originUrls.get(mirror) !== cloneUrl) {
      await this.git(mirror, ["config", "remote.origin.url", cloneUrl]);
      this.originUrls.set(mirror, cloneUrl);
    }
    return mirror;
  }

  private async hasCommit(mirror: string, sha: string): Promise<boolean> {
    const r = await this.git(mirror, ["cat-file", "-e", `${sha}^{commit}`], { okCodes: [0, 1, 128] });
    return r.exitCode === 0;
  }

  /**
   * Whether the mirror holds everything a checkout of these commits reads: each commit's whole
   * tree (trees and blobs) and its history back to what the refs already hold. A commit object
   * alone proves nothing: a fetch cut short (disk full, dropped connection) leaves commits whose
   * trees or blobs never arrived, and objects can go missing after a fetch. Cheap: only the tips'
   * trees and the history no ref covers are walked; blobs are looked up, not read.
   */
  private async isComplete(mirror: string, shas: string[]): Promise<boolean> {
    const walks = [
      ["rev-list", "--objects", "--no-object-names", "--missing=print", "--no-walk", ...shas],
      ["rev-list", "--objects", "--no-object-names", "--missing=print", ...shas, "--not", "--all"],
    ];
    const results = await Promise.all(walks.map((args) => this.git(mirror, args, { okCodes: [0, 1, 128] })));
    // A missing commit or tree ends the walk with an error; a missing blob is printed as `?<id>`.
    return results.every((r) => r.exitCode === 0 && !/^\?/m.test(r.stdout));
  }

  /**
   * Makes the mirror hold head and base completely: fetch when anything is missing, then, when a
   * normal fetch cannot repair it (objects lost behind refs that say they are there, so the
   * server is told "have"), fetch everything again as a fresh clone would (`--refetch`), and as
   * the last resort re-clone the mirror from scratch.
   */
  private async completeMirror(req: CheckoutRequest, mirror: string): Promise<void> {
    const shas = [req.headSha, req.baseSha];
    // A new head (the PR's ref here is elsewhere) is fetched without a walk first: the walk would
    // only find it missing. A ref packed by `git gc` reads as absent: one fetch too many, no harm.
    const ref = await readFile(join(mirror, "refs", "sluice", "pull", String(req.pr)), "utf8").catch(() => "");
    const known = ref.trim() === req.headSha;
    if (known && (await this.isComplete(mirror, shas))) return;
    const refspecs = [`+refs/heads/${req.baseRef}:refs/sluice/base/${req.baseRef}`, `+refs/pull/${req.pr}/head:refs/sluice/pull/${req.pr}`];
    const fetch = async (extra: string[]) => {
      await this.git(mirror, ["fetch", "--quiet", "--no-tags", ...extra, "origin", ...refspecs], { token: req.token });
      // Nearly always the refs brought both, and this walk is the only look needed.
      if (await this.isComplete(mirror, shas)) return true;
      // The PR moved on between the API read and the fetch, or the base was force-pushed.
      const present = await Promise.all(shas.map((sha) => this.hasCommit(mirror, sha)));
      for (const [i, sha] of shas.entries()) {
        if (!present[i]) await this.git(mirror, ["fetch", "--quiet", "--no-tags", ...extra, "origin", sha], { token: req.token });
      }
      return this.isComplete(mirror, shas);
    };
    try {
      if (await fetch([])) return;
    } catch (e) {
      // The commits came another way (another PR's ref, a mirror cloned whole): no fetch was needed.
      if (!known && (await this.isComplete(mirror, shas))) return;
      throw e;
    }
    // A commit GitHub did not send at all (force-pushed away meanwhile) is not a broken mirror:
    // refetching everything would not bring it.
    for (const sha of shas) {
      if (!(await this.hasCommit(mirror, sha)))
        throw new GitError(`commit ${sha.slice(0, 12)} could not be fetched (force-pushed away?)`, "");
    }
    if (await fetch(["--refetch"]).catch(() => false)) return;
    await this.recloneMirror(req.repo, req.cloneUrl);
    if (await fetch([])) return;
    throw new GitError(
      `the repository mirror lacks objects of ${req.headSha.slice(0, 12)} or ${req.baseSha.slice(0, 12)} even after fetching again and re-cloning`,
      "",
    );
  }

  /** Throws the broken mirror away and starts a new one (checkouts are plain files: none depends on it). */
  private async recloneMirror(repo: RepoRef, cloneUrl: string): Promise<void> {
    await removeTree(this.mirrorDir(repo));
    this.originUrls.delete(this.mirrorDir(repo));
    await this.ensureMirror(repo, cloneUrl);
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
    const done = this.repoLocks
      .run(key, async () => {
        if (this.inUse.has(dir)) return;
        const r = await exec("du", ["-s", "-B1", "-x", "--", dir], { cwd: "/", timeoutMs: this.timeoutMs });
        const used = Number(/^(\d+)/.exec(r.stdout)?.[1] ?? 0);
        if (used > limit) await this.discard(dir);
      })
      .catch(() => undefined);
    this.freeing.add(done);
    void done.finally(() => this.freeing.delete(done));
  }

  /** Fetches base and PR head and returns a new worktree at headSha (see writeCheckout). */
  async checkout(req: CheckoutRequest): Promise<Checkout> {
    const key = repoFullName(req.repo);
    return this.repoLocks.run(key, async () => {
      const mirror = await this.ensureMirror(req.repo, req.cloneUrl);
      await this.completeMirror(req, mirror);
      // Reads of the mirror, independent of each other and of the worktree: side by side with it.
      const reads = Promise.all([
        this.listTree(mirror, req.headSha),
        this.gitOut(mirror, ["diff", "--name-only", "-z", "--no-renames", `${req.baseSha}...${req.headSha}`]),
        this.gitOut(mirror, ["merge-base", req.baseSha, req.headSha]),
      ]);
      // Awaited below; a worktree that fails first must not leave it unhandled.
      reads.catch(() => undefined);
      const made = await this.writeCheckout(key, mirror, this.prDir(req.repo, req.pr), req.headSha, req.sparse === true);
      const [{ files }, diff, base] = await reads.catch((e: unknown) => {
        made.release();
        throw e;
      });
      return {
        dir: made.dir,
        headSha: req.headSha,
        baseSha: req.baseSha,
        files,
        changedFiles: splitZ(diff),
        mergeBase: base.trim(),
        release: made.release,
        ...made.widening,
      };
    });
  }

  /**
   * A new worktree at `sha` under `root`: plain files written by git from the mirror and an index
   * of Sluice's own (outside every worktree), with no `.git` in it. Every earlier worktree under
   * `root` that no job holds is discarded first: a run may have written it (a `.git` of its own,
   * hooks, attributes, links, a tree too deep for path names), so no later git command enters it
   * and no other run gets it. The new one is named after the commit, or after it with a suffix
   * while a job still holds a worktree of that name. Sparse: only the root's files at first.
   */
  private async writeCheckout(key: string, mirror: string, root: string, sha: string, sparse: boolean) {
    await this.discardIdle(root);
    await mkdir(root, { recursive: true });
    let dir = join(root, sha);
    for (let n = 2; this.inUse.has(dir) || (await exists(dir)); n++) dir = join(root, `${sha}-${n}`);
    const release = this.hold(dir, key);
    const index = this.indexFile(dir);
    const written = { all: !sparse, dirs: new Set<string>() };
    try {
      await mkdir(dir);
      await mkdir(join(index, ".."), { recursive: true });
      await this.git(mirror, ["read-tree", sha], { index });
      if (sparse) await this.writePaths(mirror, dir, index, conePaths((await this.listTree(mirror, sha)).files, []));
      else await this.git(mirror, ["checkout-index", "--all", "--force"], { workTree: dir, index });
    } catch (e) {
      release();
      await this.discard(dir).catch(() => undefined);
      throw e;
    }
    const widening: Pick<Checkout, "include" | "includeAll"> = {
      include: (dirs) =>
        this.repoLocks.run(key, async () => {
          const wanted = [...new Set(dirs)].filter((d) => d !== "." && d !== "" && !written.dirs.has(d));
          if (written.all || wanted.length === 0) return;
          const before = conePaths((await this.listTree(mirror, sha)).files, [...written.dirs]);
          const now = conePaths((await this.listTree(mirror, sha)).files, [...written.dirs, ...wanted]);
          const had = new Set(before);
          await this.writePaths(
            mirror,
            dir,
            index,
            now.filter((p) => !had.has(p)),
          );
          for (const d of wanted) written.dirs.add(d);
        }),
      includeAll: () =>
        this.repoLocks.run(key, async () => {
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
  private async discard(dir: string): Promise<void> {
    const trash = join(this.dataDir, "worktrees", ".trash");
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

  /**
   * Pull mode: a new worktree at `sha`, the head of `branch` (the default branch), not tied to a
   * PR. Older ones that no job holds are discarded, so only the live one stays on disk.
   */
  async checkoutBranchHead(req: { repo: RepoRef; cloneUrl: string; token: string; branch: string; sha: string }): Promise<Checkout> {
    return this.repoLocks.run(repoFullName(req.repo), async () => {
      const mirror = await this.ensureMirror(req.repo, req.cloneUrl);
      if (!(await this.hasCommit(mirror, req.sha))) {
        await this.git(mirror, ["fetch", "--quiet", "--no-tags", "origin", `+refs/heads/${req.branch}:refs/sluice/base/${req.branch}`], {
          token: req.token,
        });
      }
      if (!(await this.hasCommit(mirror, req.sha))) {
        await this.git(mirror, ["fetch", "--quiet", "--no-tags", "origin", req.sha], { token: req.token });
      }
      const made = await this.writeCheckout(repoFullName(req.repo), mirror, this.prDir(req.repo, 0), req.sha, false);
      const { files } = await this.listTree(mirror, req.sha).catch((e: unknown) => {
        made.release();
        throw e;
      });
      const full = { include: async () => undefined, includeAll: async () => undefined };
      return {
        dir: made.dir,
        headSha: req.sha,
        baseSha: req.sha,
        files,
        changedFiles: [],
        mergeBase: req.sha,
        release: made.release,
        ...full,
      };
    });
  }

  /**
   * Whether any of `paths` differs between two commits of the mirror; undefined when `from` is not
   * there (e.g. a commit GitHub no longer serves), so the caller can say it does not know.
   */
  async changedBetween(repo: RepoRef, from: string, to: string, paths: string[]): Promise<boolean | undefined> {
    const mirror = this.mirrorDir(repo);
    if (!(await this.hasCommit(mirror, from))) return undefined;
    const r = await this.git(mirror, ["diff", "--quiet", from, to, "--", ...paths], { okCodes: [0, 1] });
    return r.exitCode === 1;
  }

  /**
   * Whether `sha` contains the current tip of `baseRef` (fetched now): the "undiverged" apply
   * requirement. A PR whose branch lacks commits of its base would apply an old view of the repo.
   */
  async contains(
    repo: RepoRef,
    cloneUrl: string,
    token: string,
    pr: { number: number; baseRef: string; headSha: string },
  ): Promise<boolean> {
    const key = repoFullName(repo);
    const { baseRef, headSha: sha } = pr;
    return this.repoLocks.run(key, async () => {
      const mirror = await this.ensureMirror(repo, cloneUrl);
      await this.git(
        mirror,
        [
          "fetch",
          "--quiet",
          "--no-tags",
          "origin",
          `+refs/heads/${baseRef}:refs/sluice/base/${baseRef}`,
          `+refs/pull/${pr.number}/head:refs/sluice/pull/${pr.number}`,
        ],
        { token },
      );
      const r = await this.git(mirror, ["merge-base", "--is-ancestor", `refs/sluice/base/${baseRef}`, sha], { okCodes: [0, 1] });
      return r.exitCode === 0;
    });
  }

  /**
   * Fetches one branch of the repository itself (never a PR head, so never a fork's commits) and
   * returns its tip: enough to read the trusted config before deciding to fetch anything else.
   */
  async fetchBranch(repo: RepoRef, cloneUrl: string, token: string, branch: string): Promise<string> {
    return this.repoLocks.run(repoFullName(repo), async () => {
      const mirror = await this.ensureMirror(repo, cloneUrl);
      await this.git(mirror, ["fetch", "--quiet", "--no-tags", "origin", `+refs/heads/${branch}:refs/sluice/base/${branch}`], { token });
      return (await this.gitOut(mirror, ["rev-parse", `refs/sluice/base/${branch}^{commit}`])).trim();
    });
  }

  /** The first parent of a commit already in the mirror (the base branch before a merge). */
  async firstParent(repo: RepoRef, sha: string): Promise<string> {
    return (await this.gitOut(this.mirrorDir(repo), ["rev-parse", `${sha}^1`])).trim();
  }

  /**
   * The commits merged in along the first-parent line from `baseSha` to `headSha` (the second
   * parent of each merge commit): in a merge queue's group, the head of each queued PR.
   */
  async mergedHeads(repo: RepoRef, baseSha: string, headSha: string): Promise<string[]> {
    const out = await this.gitOut(this.mirrorDir(repo), ["rev-list", "--first-parent", "--parents", `${baseSha}..${headSha}`]);
    return out
      .split("\n")
      .map((line) => line.trim().split(" "))
      .flatMap((shas) => (shas.length >= 3 && shas[2] ? [shas[2]] : []))
      .reverse();
  }

  /** The tree id of a commit already in the mirror: equal trees mean identical content. */
  async treeOf(repo: RepoRef, sha: string): Promise<string> {
    return (await this.gitOut(this.mirrorDir(repo), ["rev-parse", `${sha}^{tree}`])).trim();
  }

  /**
   * Files at commits, from the mirror (the head's and the base's configs): each one's text, or
   * undefined when it does not exist; one or two git runs for all. Git objects, not the checkout:
   * a symlink yields its link text. A blob over `maxBytes` is refused unread, not buffered, and a
   * dir or submodule where a file is expected is refused too (CheckoutFileError, first in order).
   */
  async readFilesAtPaths(
    repo: RepoRef,
    reads: readonly { sha: string; path: string }[],
    maxBytes = CHECKOUT_FILE_MAX_BYTES,
  ): Promise<(string | undefined)[]> {
    const found = await readPaths(this.mirrorDir(repo), reads, maxBytes, this.objectOptions());
    return found.map((f, i) => {
      if ("text" in f) return f.text;
      if ("missing" in f) return undefined;
      const { sha, path } = reads[i] as { sha: string; path: string };
      const at = `\`${path}\` at ${sha.slice(0, 7)}`;
      if ("tooLarge" in f) {
        throw new CheckoutFileError(`${at} is ${f.tooLarge} bytes, larger than the ${maxBytes} bytes Sluice reads`, "too-large");
      }
      throw new CheckoutFileError(
        `${at} is a ${f.type === "tree" ? "directory" : f.type === "commit" ? "submodule" : f.type}, not a file`,
        "not-a-file",
      );
    });
  }

  /** One file at a commit, from the mirror (see readFilesAtPaths). */
  async readFileAt(repo: RepoRef, sha: string, path: string, maxBytes = CHECKOUT_FILE_MAX_BYTES): Promise<string | undefined> {
    return (await this.readFilesAtPaths(repo, [{ sha, path }], maxBytes))[0];
  }

  /**
   * Every path at `sha` and the blob id of each file. The last few listings are kept, so a job
   * listing a commit and then reading its files lists it once.
   */
  private async listTree(mirror: string, sha: string): Promise<TreeListing> {
    const key = `${mirror}\0${sha}`;
    const cached = this.listings.get(key);
    if (cached) {
      this.listings.delete(key);
      this.listings.set(key, cached);
      return cached;
    }
    const listing = await listTree(mirror, sha, this.objectOptions());
    this.listings.set(key, listing);
    for (const old of this.listings.keys()) {
      if (this.listings.size <= LISTINGS_KEPT) break;
      this.listings.delete(old);
    }
    return listing;
  }

  private objectOptions() {
    return { timeoutMs: this.timeoutMs, redact: this.redact };
  }

  /**
   * The files at a commit that `select` accepts, from the mirror in one batch (see readBlobs):
   * path -> text; files larger than `maxBytes` are left out. Git objects, not a checkout: a
   * symlink yields its link text, and a sparse checkout need not hold the file.
   */
  async readFilesAt(
    repo: RepoRef,
    sha: string,
    select: (path: string) => boolean,
    maxBytes = CHECKOUT_FILE_MAX_BYTES,
  ): Promise<Map<string, string>> {
    const mirror = this.mirrorDir(repo);
    return readBlobs(mirror, await this.listTree(mirror, sha), select, maxBytes, this.objectOptions());
  }

  /** Why a plan in these dirs might read a file outside them (see sparseHazards), or undefined. */
  async sparseHazards(
    repo: RepoRef,
    sha: string,
    dirs: readonly string[],
    moduleSources: ReadonlyMap<string, readonly string[]>,
  ): Promise<string | undefined> {
    return sparseHazards(this.mirrorDir(repo), sha, dirs, moduleSources, this.objectOptions());
  }

  /** Every path at a commit already in the mirror (what `Checkout.files` holds). */
  /** The symlinks of a commit and their link texts (never what they point to). */
  async symlinksAt(repo: RepoRef, sha: string): Promise<Map<string, string>> {
    const mirror = this.mirrorDir(repo);
    const listing = await this.listTree(mirror, sha);
    const links = new Set(listing.symlinks ?? []);
    if (links.size === 0) return new Map();
    return readBlobs(mirror, listing, (p) => links.has(p), 4096, this.objectOptions());
  }

  async filesAt(repo: RepoRef, sha: string): Promise<string[]> {
    return (await this.listTree(this.mirrorDir(repo), sha)).files;
  }

  /** Removes every worktree of a PR (on close or merge), whatever its runs left in them. */
  async removePr(repo: RepoRef, pr: number): Promise<void> {
    const key = repoFullName(repo);
    await this.repoLocks.run(key, async () => {
      await this.discard(this.prDir(repo, pr));
      await removeTree(this.indexFile(this.prDir(repo, pr)).replace(/\.index$/, ""));
      const mirror = this.mirrorDir(repo);
      if (await exists(join(mirror, "HEAD"))) {
        // Worktrees made by older versions were registered in the mirror.
        await this.git(mirror, ["worktree", "prune"]).catch(() => undefined);
        await this.git(mirror, ["update-ref", "-d", `refs/sluice/pull/${pr}`]).catch(() => undefined);
      }
    });
  }
}

/** Whether anything is at `path` (a symlink counts; it is not followed). */
const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

function splitZ(out: string): string[] {
  return out.split("\0").filter((s) => s.length > 0);
}

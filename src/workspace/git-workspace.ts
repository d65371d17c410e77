import { join } from "node:path";
import { type RepoRef, repoFullName } from "../model/repo.js";
import { errorMessage } from "../util/errors.js";
import { KeyedMutex } from "../util/keyed-mutex.js";
import { CHECKOUT_FILE_MAX_BYTES, CheckoutFileError } from "../util/read-checkout-file.js";
import { dataPaths } from "./data-paths.js";
import type { GitObjectOptions } from "./git-objects.js";
import { readBlobs, readPaths, sparseHazards } from "./git-objects.js";
import { baseBeforeMerge } from "./base-before-merge.js";
import { GitMirrors } from "./git-mirrors.js";
import { removeTree } from "./remove-tree.js";
import { sweepScratch } from "./scratch-files.js";
import { createRunGit, type RunGit } from "./run-git.js";
import { TreeListings } from "./tree-listings.js";
import type { BranchHeadRequest, Checkout, CheckoutRequest, Workspace } from "./workspace.js";
import { exists, Worktrees } from "./worktrees.js";

export { GitError } from "./git-error.js";

/** How long a prefetch stands for the checkout after it (the job's GitHub reads in between). */
const PREFETCH_KEPT_MS = 60_000;

/**
 * The git adapter: one bare mirror per repo (git-mirrors.ts), and for each job a new worktree of
 * plain files (worktrees.ts). A run can write its worktree, so git never works in one after it was
 * handed out and no worktree is handed out twice; every git command names the mirror and pins its
 * settings (git-command.ts, run-git.ts). Each repository's mirror and worktrees change under one lock.
 */
export class GitWorkspace implements Workspace {
  private readonly repoLocks = new KeyedMutex();
  private readonly git: RunGit;
  private readonly objectOptions: GitObjectOptions;
  private readonly mirrors: GitMirrors;
  private readonly listings: TreeListings;
  private readonly worktrees: Worktrees;
  /**
   * Mirror + head + base a prefetch made whole -> when, and the mirror's clone then: the checkout
   * that follows skips the same walk unless the mirror was cloned anew since (another job's repair).
   */
  private readonly prefetched = new Map<string, { at: number; generation: number }>();

  constructor(
    dataDir: string,
    redact: (s: string) => string = (s) => s,
    timeoutMs = 10 * 60_000,
    /** See Worktrees: a worktree a run filled past this is discarded once no job holds it. */
    discardOverBytes?: number,
    /** For the operator's log: what went wrong without failing a job (see GitMirrors.fetch). */
    warn?: (message: string) => void,
    /** Where worktrees are written (dataPaths.worktreeRoot): the data dir unless SLUICE_WORKTREE_DIR says otherwise. */
    private readonly worktreeRoot: string = dataDir,
  ) {
    this.objectOptions = { timeoutMs, redact, scratchDir: dataPaths.scratch(dataDir) };
    // What a process that died mid-read left; nothing waits on it.
    void sweepScratch(dataPaths.scratch(dataDir)).catch((e: unknown) => warn?.(`could not sweep the scratch dir: ${errorMessage(e)}`));
    this.git = createRunGit(this.objectOptions);
    this.mirrors = new GitMirrors(dataDir, this.git, { warn });
    this.listings = new TreeListings(this.objectOptions);
    this.worktrees = new Worktrees(worktreeRoot, this.git, this.repoLocks, this.listings, discardOverBytes, worktreeRoot !== dataDir);
    void this.worktrees.sweepTrash().catch((e: unknown) => warn?.(`could not sweep the worktrees' trash: ${errorMessage(e)}`));
  }

  mirrorDir(repo: RepoRef): string {
    return this.mirrors.dir(repo);
  }

  prDir(repo: RepoRef, pr: number): string {
    return dataPaths.prWorktrees(this.worktreeRoot, repo, pr);
  }

  private async gitOut(gitDir: string, args: string[], opts: { token?: string } = {}): Promise<string> {
    return (await this.git(gitDir, args, opts)).stdout;
  }

  /**
   * Makes the mirror hold head and base (GitMirrors.complete) under the repository's lock, as a
   * checkout does first; a checkout of the same commits within PREFETCH_KEPT_MS takes them as they are.
   */
  async prefetch(req: CheckoutRequest): Promise<void> {
    await this.repoLocks.run(repoFullName(req.repo), async () => {
      const mirror = await this.mirrors.ensure(req.repo, req.cloneUrl);
      await this.mirrors.complete(req, mirror);
      const now = Date.now();
      for (const [k, p] of this.prefetched) if (now - p.at > PREFETCH_KEPT_MS) this.prefetched.delete(k);
      this.prefetched.set(`${mirror}\0${req.headSha}\0${req.baseSha}`, { at: now, generation: this.mirrors.generation(mirror) });
    });
  }

  /** Fetches base and PR head and returns a new worktree at headSha (see Worktrees.write). */
  async checkout(req: CheckoutRequest): Promise<Checkout> {
    const key = repoFullName(req.repo);
    return this.repoLocks.run(key, async () => {
      const mirror = await this.mirrors.ensure(req.repo, req.cloneUrl);
      const fetched = `${mirror}\0${req.headSha}\0${req.baseSha}`;
      const p = this.prefetched.get(fetched);
      this.prefetched.delete(fetched);
      // Walked whole a moment ago, by the prefetch of this job (or of one just before it), in this clone of the mirror.
      const fresh = p !== undefined && Date.now() - p.at <= PREFETCH_KEPT_MS && p.generation === this.mirrors.generation(mirror);
      if (!fresh) await this.mirrors.complete(req, mirror);
      // Reads of the mirror, independent of each other and of the worktree: side by side with it.
      const reads = Promise.all([
        this.listings.get(mirror, req.headSha),
        this.gitOut(mirror, ["diff", "--name-only", "-z", "--no-renames", `${req.baseSha}...${req.headSha}`]),
        this.gitOut(mirror, ["merge-base", req.baseSha, req.headSha]),
      ]);
      // Awaited below; a worktree that fails first must not leave it unhandled.
      reads.catch(() => undefined);
      const made = await this.worktrees.write(key, mirror, this.prDir(req.repo, req.pr), req.headSha, req.sparse === true);
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
   * Pull mode: a new worktree at `sha`, the head of `branch` (the default branch), not tied to a
   * PR. Older ones that no job holds are discarded, so only the live one stays on disk.
   */
  async checkoutBranchHead(req: BranchHeadRequest): Promise<Checkout> {
    return this.repoLocks.run(repoFullName(req.repo), async () => {
      const mirror = await this.mirrors.ensure(req.repo, req.cloneUrl);
      if (!(await this.mirrors.hasCommit(mirror, req.sha))) {
        await this.mirrors.fetch(mirror, ["origin", `+refs/heads/${req.branch}:refs/sluice/base/${req.branch}`], req.token);
      }
      if (!(await this.mirrors.hasCommit(mirror, req.sha))) {
        await this.mirrors.fetch(mirror, ["origin", req.sha], req.token);
      }
      const made = await this.worktrees.write(repoFullName(req.repo), mirror, this.prDir(req.repo, 0), req.sha, false);
      const { files } = await this.listings.get(mirror, req.sha).catch((e: unknown) => {
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
    if (!(await this.mirrors.hasCommit(mirror, from))) return undefined;
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
      const mirror = await this.mirrors.ensure(repo, cloneUrl);
      await this.mirrors.fetch(
        mirror,
        ["origin", `+refs/heads/${baseRef}:refs/sluice/base/${baseRef}`, `+refs/pull/${pr.number}/head:refs/sluice/pull/${pr.number}`],
        token,
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
      const mirror = await this.mirrors.ensure(repo, cloneUrl);
      await this.mirrors.fetch(mirror, ["origin", `+refs/heads/${branch}:refs/sluice/base/${branch}`], token);
      return (await this.gitOut(mirror, ["rev-parse", `refs/sluice/base/${branch}^{commit}`])).trim();
    });
  }

  /** The base branch as it was before a pull request's merge (see base-before-merge.ts). */
  baseBeforeMerge(repo: RepoRef, mergeSha: string, prHeadSha: string): Promise<string> {
    return baseBeforeMerge((args) => this.gitOut(this.mirrorDir(repo), args), mergeSha, prHeadSha);
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
    const found = await readPaths(this.mirrorDir(repo), reads, maxBytes, this.objectOptions);
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
    return readBlobs(mirror, await this.listings.get(mirror, sha), select, maxBytes, this.objectOptions);
  }

  /** Why a plan in these dirs might read a file outside them (see sparseHazards), or undefined. */
  async sparseHazards(
    repo: RepoRef,
    sha: string,
    dirs: readonly string[],
    moduleSources: ReadonlyMap<string, readonly string[]>,
    shallow?: readonly string[],
  ): Promise<string | undefined> {
    const mirror = this.mirrorDir(repo);
    // The checkout listed its head a moment ago: kept, it saves a listing of the dirs; a listing
    // since let go is not read whole again for this (a monorepo's is far larger than its dirs').
    const listing = await this.listings.kept(mirror, sha)?.catch(() => undefined);
    return sparseHazards(mirror, sha, dirs, moduleSources, this.objectOptions, shallow, listing);
  }

  /** The symlinks of a commit and their link texts (never what they point to). */
  async symlinksAt(repo: RepoRef, sha: string): Promise<Map<string, string>> {
    const mirror = this.mirrorDir(repo);
    const listing = await this.listings.get(mirror, sha);
    const links = new Set(listing.symlinks ?? []);
    if (links.size === 0) return new Map();
    return readBlobs(mirror, listing, (p) => links.has(p), 4096, this.objectOptions);
  }

  /** Every path at a commit already in the mirror (what `Checkout.files` holds). */
  async filesAt(repo: RepoRef, sha: string): Promise<string[]> {
    return (await this.listings.get(this.mirrorDir(repo), sha)).files;
  }

  /** Removes every worktree of a PR (on close or merge), whatever its runs left in them. */
  async removePr(repo: RepoRef, pr: number): Promise<void> {
    const key = repoFullName(repo);
    await this.repoLocks.run(key, async () => {
      await this.worktrees.discard(this.prDir(repo, pr));
      await removeTree(this.worktrees.indexFile(this.prDir(repo, pr)).replace(/\.index$/, ""));
      const mirror = this.mirrorDir(repo);
      if (await exists(join(mirror, "HEAD"))) {
        // Worktrees made by older versions were registered in the mirror.
        await this.git(mirror, ["worktree", "prune"]).catch(() => undefined);
        await this.git(mirror, ["update-ref", "-d", `refs/sluice/pull/${pr}`]).catch(() => undefined);
      }
    });
  }
}

function splitZ(out: string): string[] {
  return out.split("\0").filter((s) => s.length > 0);
}

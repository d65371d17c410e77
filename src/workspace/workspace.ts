import type { RepoRef } from "../model/repo.js";

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
   * Of a dir also in `shallow`, only the files directly in it. A worktree only ever grows while a
   * job holds it.
   */
  include(dirs: readonly string[], shallow?: readonly string[]): Promise<void>;
  /** Writes every file (the dirs a job needs cannot be known). */
  includeAll(): Promise<void>;
}

/** Pull mode: the head of a branch (the default branch), not tied to a PR. */
export interface BranchHeadRequest {
  repo: RepoRef;
  cloneUrl: string;
  token: string;
  branch: string;
  sha: string;
}

/**
 * What jobs ask of the repositories they work on: fresh worktrees of commits, and reads of git
 * objects without one. The git adapter (GitWorkspace) implements it; tests use a fake.
 */
export interface Workspace {
  /** Fetches base and PR head and returns a new worktree at headSha. */
  checkout(req: CheckoutRequest): Promise<Checkout>;
  /**
   * Fetches what a checkout of `req` reads, without a worktree: started while the job still reads
   * GitHub, so the checkout that follows finds the commits there. Absent in fakes.
   */
  prefetch?(req: CheckoutRequest): Promise<void>;
  /** A new worktree at the head of a branch; older ones no job holds are discarded. */
  checkoutBranchHead(req: BranchHeadRequest): Promise<Checkout>;
  /**
   * Whether any of `paths` differs between two commits; undefined when `from` is not there (a
   * commit GitHub no longer serves), so the caller can say it does not know.
   */
  changedBetween(repo: RepoRef, from: string, to: string, paths: string[]): Promise<boolean | undefined>;
  /** Whether the PR's head contains the current tip of its base branch (fetched now). */
  contains(repo: RepoRef, cloneUrl: string, token: string, pr: { number: number; baseRef: string; headSha: string }): Promise<boolean>;
  /** Fetches one branch of the repository itself (never a PR head) and returns its tip. */
  fetchBranch(repo: RepoRef, cloneUrl: string, token: string, branch: string): Promise<string>;
  /** The base branch before a pull request's merge (merge commit, squash or rebase merge): see GitWorkspace. */
  baseBeforeMerge(repo: RepoRef, mergeSha: string, prHeadSha: string): Promise<string>;
  /** The heads merged in along the first-parent line from baseSha to headSha (a merge queue's group). */
  mergedHeads(repo: RepoRef, baseSha: string, headSha: string): Promise<string[]>;
  /** The tree id of a commit: equal trees mean identical content. */
  treeOf(repo: RepoRef, sha: string): Promise<string>;
  /**
   * Files at commits, each one's text or undefined when it does not exist. A file over `maxBytes`,
   * or a dir or submodule where a file is expected, is refused (CheckoutFileError).
   */
  readFilesAtPaths(repo: RepoRef, reads: readonly { sha: string; path: string }[], maxBytes?: number): Promise<(string | undefined)[]>;
  readFileAt(repo: RepoRef, sha: string, path: string, maxBytes?: number): Promise<string | undefined>;
  /** The files at a commit that `select` accepts (path -> text); files over `maxBytes` are left out. */
  readFilesAt(repo: RepoRef, sha: string, select: (path: string) => boolean, maxBytes?: number): Promise<Map<string, string>>;
  /** The symlinks at a commit and their link texts; absent in fakes that have none. */
  symlinksAt?(repo: RepoRef, sha: string): Promise<Map<string, string>>;
  /** Every path at a commit (what `Checkout.files` holds). */
  filesAt(repo: RepoRef, sha: string): Promise<string[]>;
  /** Why a plan in these dirs might read a file outside them, or undefined. */
  sparseHazards(
    repo: RepoRef,
    sha: string,
    dirs: readonly string[],
    moduleSources: ReadonlyMap<string, readonly string[]>,
    /** Those of `dirs` a sparse worktree gets without their subdirs. */
    shallow?: readonly string[],
  ): Promise<string | undefined>;
  /** Removes every worktree of a PR (on close or merge), whatever its runs left in them. */
  removePr(repo: RepoRef, pr: number): Promise<void>;
}

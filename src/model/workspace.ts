import type { RepoRef } from "./repo.js";

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
 * Where jobs get the repository's files: worktrees at a commit, and reads from the commits a
 * mirror already holds. Jobs name this, never the git adapter (src/workspace/git-workspace.ts),
 * so a test hands them a workspace of plain file maps.
 */
export interface Workspace {
  checkout(req: CheckoutRequest): Promise<Checkout>;
  /** A worktree of a branch's tip (the default branch, for drift): no pull request involved. */
  checkoutBranchHead(req: { repo: RepoRef; cloneUrl: string; token: string; branch: string; sha: string }): Promise<Checkout>;
  /** Whether any of `paths` differs between two commits; undefined when `from` is unknown. */
  changedBetween(repo: RepoRef, from: string, to: string, paths: string[]): Promise<boolean | undefined>;
  /** Whether `pr.headSha` contains the live tip of `pr.baseRef` (fetched now). */
  contains(repo: RepoRef, cloneUrl: string, token: string, pr: { number: number; baseRef: string; headSha: string }): Promise<boolean>;
  /** Fetches one branch of the repository itself and returns its tip. */
  fetchBranch(repo: RepoRef, cloneUrl: string, token: string, branch: string): Promise<string>;
  firstParent(repo: RepoRef, sha: string): Promise<string>;
  /** The heads merged along the first-parent line from `baseSha` to `headSha` (a merge group's PRs). */
  mergedHeads(repo: RepoRef, baseSha: string, headSha: string): Promise<string[]>;
  /** The tree id of a commit: equal trees mean identical content. */
  treeOf(repo: RepoRef, sha: string): Promise<string>;
  readFilesAtPaths(repo: RepoRef, reads: readonly { sha: string; path: string }[], maxBytes?: number): Promise<(string | undefined)[]>;
  readFileAt(repo: RepoRef, sha: string, path: string, maxBytes?: number): Promise<string | undefined>;
  readFilesAt(repo: RepoRef, sha: string, select: (path: string) => boolean, maxBytes?: number): Promise<Map<string, string>>;
  /** Why a plan in these dirs might read a file outside them, or undefined. */
  sparseHazards(
    repo: RepoRef,
    sha: string,
    dirs: readonly string[],
    moduleSources: ReadonlyMap<string, readonly string[]>,
  ): Promise<string | undefined>;
  filesAt(repo: RepoRef, sha: string): Promise<string[]>;
  /** Removes every worktree of a pull request. */
  removePr(repo: RepoRef, pr: number): Promise<void>;
}

import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { exec } from "../../runners/exec.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import { dataPaths } from "./data-paths.js";
import { GitError } from "./git-error.js";
import { listTree, readBlobs, readPaths, sparseHazards, type TreeListing } from "./git-objects.js";
import { KeyedMutex } from "../util/keyed-mutex.js";
import { CHECKOUT_FILE_MAX_BYTES, CheckoutFileError } from "../util/read-checkout-file.js";

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
 * The git adapter: one bare mirror per repo, one worktree per PR head SHA. The installation
 * token reaches git through an http.extraHeader set in git's environment, so it is neither in
 * argv (visible in `ps`) nor in the mirror's config on disk.
 */
export class GitWorkspace {
  private readonly repoLocks = new KeyedMutex();
  /** Worktrees a job is using right now (path -> users): never moved away under it. */
  private readonly inUse = new Map<string, number>();
  /** The origin URL this process last wrote into each mirror's config. */
  private readonly originUrls = new Map<string, string>();
  /** The newest tree listings (mirror + commit -> listing), oldest first. */
  private readonly listings = new Map<string, TreeListing>();

  constructor(
    private readonly dataDir: string,
    private readonly redact: (s: string) => string = (s) => s,
    private readonly timeoutMs = 10 * 60_000,
  ) {}

  mirrorDir(repo: RepoRef): string {
    return dataPaths.mirror(this.dataDir, repo);
  }

  prDir(repo: RepoRef, pr: number): string {
    return dataPaths.prWorktrees(this.dataDir, repo, pr);
  }

  private async git(args: string[], opts: { cwd: string; token?: string; redact?: (s: string) => string }) {
    const env: Record<string, string> = {
      GIT_TERMINAL_PROMPT: "0",
      GIT_ASKPASS: "/bin/false",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_AUTHOR_NAME: "sluice",
      GIT_AUTHOR_EMAIL: "sluice@localhost",
      GIT_COMMITTER_NAME: "sluice",
      GIT_COMMITTER_EMAIL: "sluice@localhost",
    };
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
    const r = await exec("git", args, { cwd: opts.cwd, env, timeoutMs: this.timeoutMs, redact });
    if (r.exitCode !== 0) {
      throw new GitError(`git ${args[0]} failed (${r.timedOut ? "timed out" : `exit ${r.exitCode}`})`, (r.stderr || r.stdout).trim());
    }
    return r.stdout;
  }

  private async ensureMirror(repo: RepoRef, cloneUrl: string): Promise<string> {
    const mirror = this.mirrorDir(repo);
    const exists = await stat(join(mirror, "HEAD")).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(mirror, { recursive: true });
      await this.git(["init", "--bare", "--quiet", mirror], { cwd: mirror });
    }
    // The clone URL can change (repo renamed or transferred): always take the payload's (once per
    // URL change: this process is the only writer of its mirrors' config).
    if (!exists || this.originUrls.get(mirror) !== cloneUrl) {
      await this.git(["config", "remote.origin.url", cloneUrl], { cwd: mirror });
      this.originUrls.set(mirror, cloneUrl);
    }
    return mirror;
  }

  private async hasCommit(mirror: string, sha: string): Promise<boolean> {
    try {
      await this.git(["cat-file", "-e", `${sha}^{commit}`], { cwd: mirror });
      return true;
    } catch {
      return false;
    }
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
    const results = await Promise.all(
      walks.map((args) => exec("git", args, { cwd: mirror, env: { GIT_CONFIG_NOSYSTEM: "1" }, timeoutMs: this.timeoutMs })),
    );
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
      await this.git(["fetch", "--quiet", "--no-tags", ...extra, "origin", ...refspecs], { cwd: mirror, token: req.token });
      // Nearly always the refs brought both, and this walk is the only look needed.
      if (await this.isComplete(mirror, shas)) return true;
      // The PR moved on between the API read and the fetch, or the base was force-pushed.
      const present = await Promise.all(shas.map((sha) => this.hasCommit(mirror, sha)));
      for (const [i, sha] of shas.entries()) {
        if (!present[i]) await this.git(["fetch", "--quiet", "--no-tags", ...extra, "origin", sha], { cwd: mirror, token: req.token });
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

  /**
   * Throws the broken mirror away and starts a new one. Idle worktrees of the repo go too (they
   * belong to the old mirror); one a job is using now stays until its PR is cleaned up.
   */
  private async recloneMirror(repo: RepoRef, cloneUrl: string): Promise<void> {
    await rm(this.mirrorDir(repo), { recursive: true, force: true });
    this.originUrls.delete(this.mirrorDir(repo));
    const root = dirname(this.prDir(repo, 0));
    for (const pr of await readdir(root).catch(() => [] as string[])) {
      for (const sha of await readdir(join(root, pr)).catch(() => [] as string[])) {
        const dir = join(root, pr, sha);
        if (!this.inUse.has(dir)) await rm(dir, { recursive: true, force: true });
      }
    }
    await this.ensureMirror(repo, cloneUrl);
  }

  /** Marks a worktree in use until the returned release is called (once; later calls do nothing). */
  private hold(dir: string): () => void {
    this.inUse.set(dir, (this.inUse.get(dir) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inUse.get(dir) ?? 1) - 1;
      if (left > 0) this.inUse.set(dir, left);
      else this.inUse.delete(dir);
    };
  }

  /** Fetches base and PR head and returns a worktree at headSha (reused when it exists). */
  async checkout(req: CheckoutRequest): Promise<Checkout> {
    const key = repoFullName(req.repo);
    return this.repoLocks.run(key, async () => {
      const mirror = await this.ensureMirror(req.repo, req.cloneUrl);
      await this.completeMirror(req, mirror);
      const dir = join(this.prDir(req.repo, req.pr), req.headSha);
      // Reads of the mirror, independent of each other and of the worktree: side by side with it.
      const reads = Promise.all([
        this.listTree(mirror, req.headSha),
        this.git(["diff", "--name-only", "-z", "--no-renames", `${req.baseSha}...${req.headSha}`], { cwd: mirror }),
        this.git(["merge-base", req.baseSha, req.headSha], { cwd: mirror }),
      ]);
      // Awaited below; a worktree that fails first must not leave it unhandled.
      reads.catch(() => undefined);
      await this.prepareWorktree(req, mirror, dir);
      const release = this.hold(dir);
      const [{ files }, diff, base] = await reads.catch((e: unknown) => {
        release();
        throw e;
      });
      const changedFiles = splitZ(diff);
      const mergeBase = base.trim();
      return {
        dir,
        headSha: req.headSha,
        baseSha: req.baseSha,
        files,
        changedFiles,
        mergeBase,
        release,
        ...this.widening(req.repo, dir),
      };
    });
  }

  /** The PR's worktree at headSha: made (or an idle one moved here), or widened when it must hold every file. */
  private async prepareWorktree(req: CheckoutRequest, mirror: string, dir: string): Promise<void> {
    const present = await stat(join(dir, ".git")).then(
      () => true,
      () => false,
    );
    const sparse = req.sparse === true;
    if (present) {
      // Another job left it sparse: this one reads anything.
      if (!sparse) await this.widenAll(dir);
      return;
    }
    await rm(dir, { recursive: true, force: true });
    await mkdir(this.prDir(req.repo, req.pr), { recursive: true });
    if (await this.reuseIdleWorktree(req, mirror, dir)) return;
    await this.addWorktree(mirror, dir, req.headSha, sparse).catch(async () => {
      // A worktree whose dir went without git (removed by hand, lost in a crash) is still
      // registered and blocks its path: forget those, then once more.
      await rm(dir, { recursive: true, force: true });
      await this.git(["worktree", "prune"], { cwd: mirror });
      await this.addWorktree(mirror, dir, req.headSha, sparse);
    });
  }

  /** A new worktree at `sha`: every file, or (sparse) only the root's files. */
  private async addWorktree(mirror: string, dir: string, sha: string, sparse: boolean): Promise<void> {
    if (!sparse) {
      await this.git(["worktree", "add", "--quiet", "--detach", dir, sha], { cwd: mirror });
      return;
    }
    await this.git(["worktree", "add", "--quiet", "--no-checkout", "--detach", dir, sha], { cwd: mirror });
    // Cone mode with no dir: the root's files only. It is per worktree (config.worktree).
    await this.git(["sparse-checkout", "set", "--cone"], { cwd: dir });
    await this.git(["checkout", "--quiet", "--force", "--detach", sha], { cwd: dir });
  }

  private async isSparse(dir: string): Promise<boolean> {
    const r = await exec("git", ["config", "--get", "--bool", "core.sparseCheckout"], {
      cwd: dir,
      env: { GIT_CONFIG_NOSYSTEM: "1" },
      timeoutMs: this.timeoutMs,
    });
    return r.stdout.trim() === "true";
  }

  private async widenAll(dir: string): Promise<void> {
    if (await this.isSparse(dir)) await this.git(["sparse-checkout", "disable"], { cwd: dir });
  }

  /** include/includeAll of a Checkout: under the repo's lock, like every other change to its worktrees. */
  private widening(repo: RepoRef, dir: string): Pick<Checkout, "include" | "includeAll"> {
    const key = repoFullName(repo);
    return {
      include: (dirs) =>
        this.repoLocks.run(key, async () => {
          const wanted = [...new Set(dirs)].filter((d) => d !== "." && d !== "");
          if (wanted.length === 0 || !(await this.isSparse(dir))) return;
          await this.git(["sparse-checkout", "add", "--", ...wanted], { cwd: dir });
        }),
      includeAll: () => this.repoLocks.run(key, () => this.widenAll(dir)),
    };
  }

  /**
   * Pull mode: a worktree at `sha`, the head of `branch` (the default branch), not tied to a PR.
   * Worktrees of older heads that no job uses are removed, so only the live one stays on disk.
   */
  async checkoutBranchHead(req: { repo: RepoRef; cloneUrl: string; token: string; branch: string; sha: string }): Promise<Checkout> {
    return this.repoLocks.run(repoFullName(req.repo), async () => {
      const mirror = await this.ensureMirror(req.repo, req.cloneUrl);
      if (!(await this.hasCommit(mirror, req.sha))) {
        await this.git(["fetch", "--quiet", "--no-tags", "origin", `+refs/heads/${req.branch}:refs/sluice/base/${req.branch}`], {
          cwd: mirror,
          token: req.token,
        });
      }
      if (!(await this.hasCommit(mirror, req.sha))) {
        await this.git(["fetch", "--quiet", "--no-tags", "origin", req.sha], { cwd: mirror, token: req.token });
      }
      const root = this.prDir(req.repo, 0);
      const dir = join(root, req.sha);
      const present = await stat(join(dir, ".git")).then(
        () => true,
        () => false,
      );
      if (!present) {
        await rm(dir, { recursive: true, force: true });
        await this.git(["worktree", "prune"], { cwd: mirror });
        await mkdir(root, { recursive: true });
        await this.git(["worktree", "add", "--quiet", "--detach", dir, req.sha], { cwd: mirror });
        for (const old of await readdir(root).catch(() => [] as string[])) {
          const path = join(root, old);
          if (path === dir || this.inUse.has(path)) continue;
          await this.git(["worktree", "remove", "--force", path], { cwd: mirror }).catch(() => rm(path, { recursive: true, force: true }));
        }
      }
      const release = this.hold(dir);
      const { files } = await this.listTree(mirror, req.sha);
      const full = { include: async () => undefined, includeAll: async () => undefined };
      return { dir, headSha: req.sha, baseSha: req.sha, files, changedFiles: [], mergeBase: req.sha, release, ...full };
    });
  }

  /**
   * Whether any of `paths` differs between two commits of the mirror; undefined when `from` is not
   * there (e.g. a commit GitHub no longer serves), so the caller can say it does not know.
   */
  async changedBetween(repo: RepoRef, from: string, to: string, paths: string[]): Promise<boolean | undefined> {
    const mirror = this.mirrorDir(repo);
    if (!(await this.hasCommit(mirror, from))) return undefined;
    const r = await exec("git", ["diff", "--quiet", from, to, "--", ...paths], {
      cwd: mirror,
      env: { GIT_CONFIG_NOSYSTEM: "1" },
      timeoutMs: this.timeoutMs,
    });
    if (r.exitCode === 0) return false;
    if (r.exitCode === 1) return true;
    throw new GitError("git diff failed", r.stderr.trim());
  }

  /**
   * Writing out every file of a big monorepo is the slowest part of a plan (20,000 files: ~20 s on
   * a slow disk). An idle worktree of the same repo (this PR's first) is moved to the new commit
   * instead, which rewrites only the files that differ. Untracked files are removed, so it is as
   * clean as a new one. Returns false when there is none or moving fails (then a new one is made).
   */
  private async reuseIdleWorktree(req: CheckoutRequest, mirror: string, dir: string): Promise<boolean> {
    const root = dirname(this.prDir(req.repo, req.pr));
    const prs = await readdir(root).catch(() => [] as string[]);
    const ordered = [String(req.pr), ...prs.filter((p) => p !== String(req.pr))];
    for (const pr of ordered) {
      for (const sha of await readdir(join(root, pr)).catch(() => [] as string[])) {
        const candidate = join(root, pr, sha);
        if (candidate === dir || this.inUse.has(candidate)) continue;
        try {
          await this.git(["worktree", "move", candidate, dir], { cwd: mirror });
        } catch {
          continue;
        }
        try {
          // Narrowed before the move to the new commit, so only the dirs kept are rewritten.
          if (req.sparse) await this.git(["sparse-checkout", "set", "--cone"], { cwd: dir });
          else await this.widenAll(dir);
          await this.git(["checkout", "--quiet", "--force", "--detach", req.headSha], { cwd: dir });
          // Walks only what is on disk: in a sparse worktree, the root and the dirs kept.
          await this.git(["clean", "-ffdxq"], { cwd: dir });
          return true;
        } catch {
          await this.git(["worktree", "remove", "--force", dir], { cwd: mirror }).catch(() => undefined);
          await rm(dir, { recursive: true, force: true });
          return false;
        }
      }
    }
    return false;
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
        [
          "fetch",
          "--quiet",
          "--no-tags",
          "origin",
          `+refs/heads/${baseRef}:refs/sluice/base/${baseRef}`,
          `+refs/pull/${pr.number}/head:refs/sluice/pull/${pr.number}`,
        ],
        { cwd: mirror, token },
      );
      const r = await exec("git", ["merge-base", "--is-ancestor", `refs/sluice/base/${baseRef}`, sha], {
        cwd: mirror,
        env: { GIT_CONFIG_NOSYSTEM: "1" },
        timeoutMs: this.timeoutMs,
      });
      if (r.exitCode === 0) return true;
      if (r.exitCode === 1) return false;
      throw new GitError("git merge-base failed", r.stderr.trim());
    });
  }

  /**
   * Fetches one branch of the repository itself (never a PR head, so never a fork's commits) and
   * returns its tip: enough to read the trusted config before deciding to fetch anything else.
   */
  async fetchBranch(repo: RepoRef, cloneUrl: string, token: string, branch: string): Promise<string> {
    return this.repoLocks.run(repoFullName(repo), async () => {
      const mirror = await this.ensureMirror(repo, cloneUrl);
      await this.git(["fetch", "--quiet", "--no-tags", "origin", `+refs/heads/${branch}:refs/sluice/base/${branch}`], {
        cwd: mirror,
        token,
      });
      return (await this.git(["rev-parse", `refs/sluice/base/${branch}^{commit}`], { cwd: mirror })).trim();
    });
  }

  /** The first parent of a commit already in the mirror (the base branch before a merge). */
  async firstParent(repo: RepoRef, sha: string): Promise<string> {
    return (await this.git(["rev-parse", `${sha}^1`], { cwd: this.mirrorDir(repo) })).trim();
  }

  /**
   * The commits merged in along the first-parent line from `baseSha` to `headSha` (the second
   * parent of each merge commit): in a merge queue's group, the head of each queued PR.
   */
  async mergedHeads(repo: RepoRef, baseSha: string, headSha: string): Promise<string[]> {
    const out = await this.git(["rev-list", "--first-parent", "--parents", `${baseSha}..${headSha}`], { cwd: this.mirrorDir(repo) });
    return out
      .split("\n")
      .map((line) => line.trim().split(" "))
      .flatMap((shas) => (shas.length >= 3 && shas[2] ? [shas[2]] : []))
      .reverse();
  }

  /** The tree id of a commit already in the mirror: equal trees mean identical content. */
  async treeOf(repo: RepoRef, sha: string): Promise<string> {
    return (await this.git(["rev-parse", `${sha}^{tree}`], { cwd: this.mirrorDir(repo) })).trim();
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
  async filesAt(repo: RepoRef, sha: string): Promise<string[]> {
    return (await this.listTree(this.mirrorDir(repo), sha)).files;
  }

  /** Removes every worktree of a PR (on close or merge). */
  async removePr(repo: RepoRef, pr: number): Promise<void> {
    const key = repoFullName(repo);
    await this.repoLocks.run(key, async () => {
      await rm(this.prDir(repo, pr), { recursive: true, force: true });
      const mirror = this.mirrorDir(repo);
      if (
        await stat(mirror).then(
          () => true,
          () => false,
        )
      ) {
        await this.git(["worktree", "prune"], { cwd: mirror });
        await this.git(["update-ref", "-d", `refs/sluice/pull/${pr}`], { cwd: mirror }).catch(() => undefined);
      }
    });
  }
}

function splitZ(out: string): string[] {
  return out.split("\0").filter((s) => s.length > 0);
}

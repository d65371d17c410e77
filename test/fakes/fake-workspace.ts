import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { RepoRef } from "../../src/model/repo.js";
import type { BranchHeadRequest, Checkout, CheckoutRequest, Workspace } from "../../src/workspace/workspace.js";

type Files = Record<string, string>;

/**
 * Commits as plain file maps instead of git: a checkout writes the commit's files into a temp
 * dir (the jobs read project files from disk), changed files are the paths that differ from the
 * base commit. No git process is started.
 */
export class FakeWorkspace implements Workspace {
  private readonly commits = new Map<string, { files: Files; parent?: string }>();
  readonly checkouts: CheckoutRequest[] = [];
  /** Worktrees handed out and not released yet. */
  inUse = 0;
  /** None unless a test sets one: jobs then go straight to the checkout, as with a workspace without it. */
  prefetch?: (req: CheckoutRequest) => Promise<void>;
  private root?: string;

  commit(sha: string, files: Files, parent?: string): this {
    this.commits.set(sha, { files, parent });
    return this;
  }

  private at(sha: string) {
    const c = this.commits.get(sha);
    if (!c) throw new Error(`fake workspace: no commit ${sha}`);
    return c;
  }

  async checkout(req: CheckoutRequest): Promise<Checkout> {
    this.checkouts.push(req);
    const head = this.at(req.headSha);
    const base = this.commits.get(req.baseSha)?.files ?? {};
    this.root ??= await mkdtemp(join(tmpdir(), "sluice-fake-ws-"));
    const dir = join(this.root, `${req.pr}-${req.headSha.slice(0, 12)}`);
    for (const [path, text] of Object.entries(head.files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    await mkdir(dir, { recursive: true });
    const paths = new Set([...Object.keys(head.files), ...Object.keys(base)]);
    const changedFiles = [...paths].filter((p) => head.files[p] !== base[p]).sort();
    this.inUse++;
    let released = false;
    return {
      dir,
      headSha: req.headSha,
      baseSha: req.baseSha,
      files: Object.keys(head.files).sort(),
      changedFiles,
      mergeBase: req.baseSha,
      release: () => {
        if (!released) this.inUse--;
        released = true;
      },
      // Every file is written already: the fake's checkouts are full.
      include: async () => undefined,
      includeAll: async () => undefined,
    };
  }

  /** The branch head as a checkout of the commit against itself (nothing changed). */
  async checkoutBranchHead(req: BranchHeadRequest): Promise<Checkout> {
    return this.checkout({ ...req, pr: 0, headSha: req.sha, baseSha: req.sha, baseRef: req.branch });
  }

  async changedBetween(_repo: RepoRef, from: string, to: string, paths: string[]): Promise<boolean | undefined> {
    const before = this.commits.get(from)?.files;
    if (!before) return undefined;
    const after = this.at(to).files;
    const inPaths = (p: string) => paths.some((d) => d === "." || p === d || p.startsWith(`${d}/`));
    const all = new Set([...Object.keys(before), ...Object.keys(after)].filter(inPaths));
    return [...all].some((p) => before[p] !== after[p]);
  }

  async mergedHeads(): Promise<string[]> {
    throw new Error("fake workspace: mergedHeads is not scripted");
  }

  async contains(): Promise<boolean> {
    return true;
  }

  async fetchBranch(): Promise<string> {
    throw new Error("fake workspace: fetchBranch is not scripted");
  }

  async baseBeforeMerge(_repo: RepoRef, sha: string, _prHeadSha: string): Promise<string> {
    const parent = this.at(sha).parent;
    if (!parent) throw new Error(`fake workspace: ${sha} has no parent`);
    return parent;
  }

  async treeOf(_repo: RepoRef, sha: string): Promise<string> {
    return JSON.stringify(Object.entries(this.at(sha).files).sort());
  }

  async readFileAt(_repo: RepoRef, sha: string, path: string): Promise<string | undefined> {
    return this.at(sha).files[path];
  }

  async readFilesAtPaths(_repo: RepoRef, reads: readonly { sha: string; path: string }[]): Promise<(string | undefined)[]> {
    return reads.map(({ sha, path }) => this.at(sha).files[path]);
  }

  async readFilesAt(_repo: RepoRef, sha: string, select: (path: string) => boolean): Promise<Map<string, string>> {
    return new Map(Object.entries(this.at(sha).files).filter(([p]) => select(p)));
  }

  async filesAt(_repo: RepoRef, sha: string): Promise<string[]> {
    return Object.keys(this.at(sha).files).sort();
  }

  async sparseHazards(): Promise<string | undefined> {
    return undefined;
  }

  async removePr(): Promise<void> {}

  async dispose(): Promise<void> {
    if (this.root) await rm(this.root, { recursive: true, force: true });
  }
}

import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { RepoRef } from "../model/repo.js";
import { errorMessage } from "../util/errors.js";
import { dataPaths } from "./data-paths.js";
import { GitError } from "./git-error.js";
import { removeTree } from "./remove-tree.js";
import type { RunGit } from "./run-git.js";
import type { CheckoutRequest } from "./workspace.js";

/** Packs a mirror collects before the small ones are rolled into one (see GitMirrors.fetch). */
export const PACKS_BEFORE_ROLL_UP = 32;

/**
 * One bare mirror per repository in the data dir: made on first use, its origin kept at the
 * payload's clone URL, and made to hold a checkout's commits completely, repaired (refetched,
 * re-cloned) when objects went missing.
 */
export class GitMirrors {
  /** The origin URL this process last wrote into each mirror's config. */
  private readonly originUrls = new Map<string, string>();
  /** How many times each mirror was made anew by this process (a repair's reclone, or its dir found gone). */
  private readonly reclones = new Map<string, number>();

  private readonly packsBeforeRollUp: number;
  private readonly warn: (message: string) => void;

  constructor(
    private readonly dataDir: string,
    private readonly git: RunGit,
    opts: { packsBeforeRollUp?: number; warn?: (message: string) => void } = {},
  ) {
    this.packsBeforeRollUp = opts.packsBeforeRollUp ?? PACKS_BEFORE_ROLL_UP;
    this.warn = opts.warn ?? (() => undefined);
  }

  /**
   * One fetch into the mirror (`args`: what follows `git fetch --quiet --no-tags`: the remote, the
   * refspecs, options such as `--refetch`).
   * Each fetch keeps its pack as it came (git-command.ts), so a mirror gains a pack per PR: every
   * object lookup searches them all. Once there are `packsBeforeRollUp`, the small ones are rolled
   * into one with their sizes kept in a geometric progression (`git repack --geometric=2`; loose
   * objects go into it too): the big pack of the first fetch is not rewritten, and no
   * object is dropped (unreachable ones included), so nothing a reader of the mirror holds goes
   * missing. A roll-up that fails is logged, not the fetch's failure: git writes the new pack
   * before it deletes any, so the mirror is as whole as before, and the next fetch tries again.
   */
  async fetch(mirror: string, args: string[], token: string): Promise<void> {
    await this.git(mirror, ["fetch", "--quiet", "--no-tags", ...args], { token });
    const names = await readdir(join(mirror, "objects", "pack")).catch(() => [] as string[]);
    if (names.filter((n) => n.endsWith(".pack")).length < this.packsBeforeRollUp) return;
    await this.git(mirror, ["repack", "-d", "-q", "--geometric=2", "--no-write-bitmap-index"]).catch((e: unknown) => {
      const why = e instanceof GitError && e.output ? `${e.message}: ${e.output.slice(0, 500)}` : errorMessage(e);
      this.warn(`the packs of mirror ${mirror} were not rolled up (the next fetch tries again): ${why}`);
    });
  }

  dir(repo: RepoRef): string {
    return dataPaths.mirror(this.dataDir, repo);
  }

  /** Changes whenever the mirror was cloned anew: what was known complete before may be gone. */
  generation(mirror: string): number {
    return this.reclones.get(mirror) ?? 0;
  }

  async ensure(repo: RepoRef, cloneUrl: string): Promise<string> {
    const mirror = this.dir(repo);
    const exists = await stat(join(mirror, "HEAD")).then(
      () => true,
      () => false,
    );
    if (!exists) {
      // What a prefetch found there is gone with it (removed by hand, say, to free the disk).
      this.reclones.set(mirror, this.generation(mirror) + 1);
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

  async hasCommit(mirror: string, sha: string): Promise<boolean> {
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
  async complete(req: CheckoutRequest, mirror: string): Promise<void> {
    const shas = [req.headSha, req.baseSha];
    // A new head (the PR's ref here is elsewhere) is fetched without a walk first: the walk would
    // only find it missing. A ref packed by `git gc` reads as absent: one fetch too many, no harm.
    const ref = await readFile(join(mirror, "refs", "sluice", "pull", String(req.pr)), "utf8").catch(() => "");
    const known = ref.trim() === req.headSha;
    if (known && (await this.isComplete(mirror, shas))) return;
    // The commits the API named, by id: git then asks the server for no list of refs (one request
    // of three), and what is checked out is what the job read, even when the branch moved since.
    // GitHub serves any commit its refs reach; the refs here keep them from `git gc`.
    const refspecs = [`+${req.baseSha}:refs/sluice/base/${req.baseRef}`, `+${req.headSha}:refs/sluice/pull/${req.pr}`];
    const fetch = async (extra: string[]) => {
      await this.fetch(mirror, [...extra, "origin", ...refspecs], req.token);
      return this.isComplete(mirror, shas);
    };
    try {
      if (await fetch([])) return;
    } catch (e) {
      // The commits came another way (another PR's ref, a mirror cloned whole): no fetch was needed.
      if (!known && (await this.isComplete(mirror, shas))) return;
      // A commit GitHub no longer serves (force-pushed away, then collected) is not a broken
      // mirror: refetching everything would not bring it.
      const gone = /not our ref ([0-9a-f]{40,64})/.exec(e instanceof GitError ? e.output || e.message : String(e))?.[1];
      if (gone) throw new GitError(`commit ${gone.slice(0, 12)} could not be fetched (force-pushed away?)`, "");
      throw e;
    }
    if (await fetch(["--refetch"]).catch(() => false)) return;
    await this.reclone(req.repo, req.cloneUrl);
    if (await fetch([])) return;
    throw new GitError(
      `the repository mirror lacks objects of ${req.headSha.slice(0, 12)} or ${req.baseSha.slice(0, 12)} even after fetching again and re-cloning`,
      "",
    );
  }

  /** Throws the broken mirror away and starts a new one (checkouts are plain files: none depends on it). */
  private async reclone(repo: RepoRef, cloneUrl: string): Promise<void> {
    await removeTree(this.dir(repo));
    this.reclones.set(this.dir(repo), this.generation(this.dir(repo)) + 1);
    this.originUrls.delete(this.dir(repo));
    await this.ensure(repo, cloneUrl);
  }
}

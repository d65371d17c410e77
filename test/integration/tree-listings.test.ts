import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TreeListings } from "../../src/workspace/tree-listings.js";
import { commit, git } from "../support/git-history.js";

// A checkout lists its head for the job while its sparse worktree is written from the same
// listing: one `git ls-tree` of the whole tree, not one each (a large repo's listing is the
// costliest read of a plan's start).
let root = "";
let repo = "";
let sha = "";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-listings-"));
  repo = join(root, "repo");
  await mkdir(repo);
  git(repo, ["init", "-q"]);
  sha = commit(repo, { "a/main.tf": "terraform {}\n" }, 1_700_000_000);
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const options = () => ({ timeoutMs: 30_000, redact: (s: string) => s, scratchDir: join(root, "scratch") });

describe("tree listings", () => {
  it("two asks of one commit at once share one read, and a later ask gets it kept", async () => {
    const listings = new TreeListings(options());
    const mirror = join(repo, ".git");
    const [first, second] = await Promise.all([listings.get(mirror, sha), listings.get(mirror, sha)]);
    expect(first.files).toEqual(["a/main.tf"]);
    // The same listing object: git listed the tree once.
    expect(second).toBe(first);
    expect(await listings.get(mirror, sha)).toBe(first);
    // Control: a new cache reads again (a different object for the same tree).
    expect(await new TreeListings(options()).get(mirror, sha)).not.toBe(first);
  });

  it("a failed read is not kept: the next ask runs git again", async () => {
    const listings = new TreeListings(options());
    const later = join(root, "later.git");
    await expect(listings.get(later, sha)).rejects.toThrow();
    await cp(join(repo, ".git"), later, { recursive: true });
    expect((await listings.get(later, sha)).files).toEqual(["a/main.tf"]);
  });
});

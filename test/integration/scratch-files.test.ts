import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTree } from "../../src/workspace/git-objects.js";
import { SCRATCH_STALE_MS, sweepScratch } from "../../src/workspace/scratch-files.js";
import { commit, git } from "../support/git-history.js";

// A commit's file list is written to the data dir's scratch dir and removed after its read; what a
// process that died mid-read left there is swept at the next start, and nothing younger.
let root = "";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-scratch-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("scratch files", () => {
  it("a listing is read from the scratch dir and leaves nothing there", async () => {
    const repo = join(root, "repo");
    await mkdir(repo);
    git(repo, ["init", "-q"]);
    const sha = commit(repo, { "a/main.tf": "terraform {}\n" }, 1_700_000_000);
    const scratchDir = join(root, "data", "scratch");
    const listing = await listTree(join(repo, ".git"), sha, { timeoutMs: 30_000, redact: (s) => s, scratchDir });
    expect(listing.files).toEqual(["a/main.tf"]);
    // Made by the read (it did not exist), and emptied by it.
    expect(await readdir(scratchDir)).toEqual([]);
  });

  it("sweeps what is older than a read can be, and keeps what may be in use", async () => {
    const dir = join(root, "sweep");
    await mkdir(join(dir, "listing-dead"), { recursive: true });
    await writeFile(join(dir, "listing-dead", "ls-tree"), "x".repeat(1000));
    await mkdir(join(dir, "listing-live"));
    const old = (Date.now() - SCRATCH_STALE_MS - 60_000) / 1000;
    await utimes(join(dir, "listing-dead"), old, old);
    expect(await sweepScratch(dir)).toBe(1);
    expect(await readdir(dir)).toEqual(["listing-live"]);
    // No scratch dir yet (a new data dir): nothing to sweep, no error.
    expect(await sweepScratch(join(root, "none"))).toBe(0);
  });
});

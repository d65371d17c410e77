import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRepoTreeAt } from "../../src/repo-reading/read-repo-tree.js";
import { listTree, readBlobs } from "../../src/workspace/git-objects.js";

// Real git: a commit's symlinks are listed as such, and read as their link text, never as the
// file they point to (inside the repository or out of it).
let dir = "";
let outside = "";
let sha = "";
const opts = { timeoutMs: 30_000, redact: (s: string) => s };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-tree-links-"));
  outside = join(await mkdtemp(join(tmpdir(), "sluice-outside-")), "outside.hcl");
  await mkdir(join(dir, "common"));
  await mkdir(join(dir, "envs/prod"), { recursive: true });
  await mkdir(join(dir, "live/app"), { recursive: true });
  await writeFile(join(dir, "common/providers.tf"), "terraform {}\n");
  await writeFile(join(dir, "envs/prod/main.tf"), 'resource "terraform_data" "x" {}\n');
  await symlink("../../common/providers.tf", join(dir, "envs/prod/providers.tf"));
  await symlink("/etc/passwd", join(dir, "envs/prod/passwd.tf"));
  await writeFile(join(dir, "live/app/terragrunt.hcl"), 'include "x" {\n  path = "common.hcl"\n}\n');
  // Valid HCL outside the repository: were it read, its include path would show in the tree.
  await writeFile(outside, 'include "leak" {\n  path = "OUTSIDE-MARKER.hcl"\n}\n');
  await symlink(outside, join(dir, "live/app/common.hcl"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: dir, encoding: "utf8" }).trim();
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "links");
  sha = git("rev-parse", "HEAD");
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (outside) await rm(join(outside, ".."), { recursive: true, force: true });
});

describe("symlinks in a commit's tree", () => {
  it("are listed, and read as their link text", async () => {
    const gitDir = join(dir, ".git");
    const listing = await listTree(gitDir, sha, opts);
    expect(listing.symlinks?.sort()).toEqual(["envs/prod/passwd.tf", "envs/prod/providers.tf", "live/app/common.hcl"]);
    const links = new Set(listing.symlinks);
    const texts = await readBlobs(gitDir, listing, (p) => links.has(p), 4096, opts);
    expect(Object.fromEntries(texts)).toEqual({
      "envs/prod/passwd.tf": "/etc/passwd",
      "envs/prod/providers.tf": "../../common/providers.tf",
      "live/app/common.hcl": outside,
    });
  });

  it("reach the project tree; a Terragrunt include of a symlink out of the repo parses its link text, not the server's file", async () => {
    const gitDir = join(dir, ".git");
    const workspace = {
      readFilesAt: async (_repo: unknown, at: string, select: (p: string) => boolean) =>
        readBlobs(gitDir, await listTree(gitDir, at, opts), select, 1 << 20, opts),
      symlinksAt: async (_repo: unknown, at: string) => {
        const listing = await listTree(gitDir, at, opts);
        const links = new Set(listing.symlinks);
        return readBlobs(gitDir, listing, (p) => links.has(p), 4096, opts);
      },
    };
    const files = (await listTree(gitDir, sha, opts)).files;
    const tree = await readRepoTreeAt(workspace as never, { owner: "a", name: "b" } as never, sha, files);
    expect(tree.symlinks?.get("envs/prod/providers.tf")).toBe("../../common/providers.tf");
    const hcl = tree.terragrunt?.get("live/app/common.hcl");
    expect(hcl?.error).toMatch(/HCL syntax error/);
    const all = JSON.stringify(tree, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v));
    expect(all).toContain("live/app/terragrunt.hcl");
    expect(all).not.toContain("OUTSIDE-MARKER");
  });
});

import { createHash } from "node:crypto";
import { join } from "node:path";
import type { RepoRef } from "../model/repo.js";

/**
 * The layout of SLUICE_DATA_DIR, in one place. Names from GitHub are made file-system safe;
 * per-project dirs carry a hash so two dirs that sanitize alike never share a folder.
 */
const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_");
const slug = (repo: RepoRef) => `${safe(repo.owner)}__${safe(repo.name)}`;

export function projectSlug(dir: string, workspace: string, name: string): string {
  const hash = createHash("sha256").update(`${dir}\0${workspace}\0${name}`).digest("hex").slice(0, 8);
  return `${safe(dir === "." ? "root" : dir).slice(0, 60)}-${safe(workspace)}-${hash}`;
}

export const dataPaths = {
  store: (dataDir: string) => join(dataDir, "sluice.db"),
  mirror: (dataDir: string, repo: RepoRef) => join(dataDir, "repos", `${slug(repo)}.git`),
  /**
   * Where the worktrees, their indexes and their trash live: the data dir, or a dir of this data
   * dir's own under SLUICE_WORKTREE_DIR (named after it, so Sluice processes with different data
   * dirs can share one tmpfs without discarding each other's worktrees).
   */
  worktreeRoot: (dataDir: string, worktreeDir?: string) =>
    worktreeDir ? join(worktreeDir, `sluice-${createHash("sha256").update(dataDir).digest("hex").slice(0, 12)}`) : dataDir,
  prWorktrees: (worktreeRoot: string, repo: RepoRef, pr: number) => join(worktreeRoot, "worktrees", slug(repo), String(pr)),
  prPlans: (dataDir: string, repo: RepoRef, pr: number) => join(dataDir, "plans", slug(repo), String(pr)),
  /** A project's plans in one PR: one subdir per plan run, so no plan file is ever overwritten. */
  projectPlans: (dataDir: string, repo: RepoRef, pr: number, project: { dir: string; workspace: string; name: string }) =>
    join(dataDir, "plans", slug(repo), String(pr), projectSlug(project.dir, project.workspace, project.name)),
  /**
   * A preview's plans and TF_DATA_DIR: apart from the PR's plans, which go when the PR closes,
   * while the preview's destroy still needs them.
   */
  previewData: (dataDir: string, repo: RepoRef, pr: number, project: { dir: string; workspace: string; name: string }) =>
    join(dataDir, "previews", slug(repo), String(pr), projectSlug(project.dir, project.workspace, project.name)),
  cliConfig: (dataDir: string) => join(dataDir, "terraformrc"),
  /** Sluice's own short-lived files (a commit's file list); what a dead process left is swept (scratch-files.ts). */
  scratch: (dataDir: string) => join(dataDir, "scratch"),
  /** Space held back for the store when the volume fills (see DiskReserve). */
  reserve: (dataDir: string) => join(dataDir, "reserve"),
  pluginCache: (dataDir: string) => join(dataDir, "plugin-cache"),
  /** Terragrunt files parsed, by content: kept for the next start (read-terragrunt-files.ts). */
  terragruntParses: (dataDir: string) => join(dataDir, "terragrunt-parses.json"),
};

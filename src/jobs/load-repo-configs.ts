import { ATLANTIS_FILE, loadRepoConfig, SLUICE_FILE } from "../config/repo/load-repo-config.js";
import type { RepoConfig } from "../model/repo-config.js";
import type { RepoRef } from "../model/repo.js";
import type { GitWorkspace } from "../workspace/git-workspace.js";

export type HeadConfig = { ok: true; config: RepoConfig } | { ok: false; file: string; errors: string[] };

/**
 * Reads `.sluice.yaml` / `atlantis.yaml` from git objects, never through the checkout: a config
 * file that is a symlink yields its link text, not the file it points at on the server.
 */
async function readConfig(workspace: GitWorkspace, repo: RepoRef, sha: string, sluiceFile: string) {
  const [sluice, atlantis] = await Promise.all([
    workspace.readFileAt(repo, sha, sluiceFile),
    workspace.readFileAt(repo, sha, ATLANTIS_FILE),
  ]);
  return loadRepoConfig({ sluice, atlantis }, { sluiceFile });
}

/**
 * The head's config (which projects exist, what autoplan watches) and the trusted commit's config
 * (settings that decide what may run). A broken trusted config falls back to the server's
 * settings and says so; a broken head config stops the job with its errors.
 */
export async function loadRepoConfigs(
  workspace: GitWorkspace,
  repo: RepoRef,
  headSha: string,
  trustedSha: string,
  /** The server's `repo_config_file`. */
  sluiceFile: string = SLUICE_FILE,
): Promise<{ head: HeadConfig; trusted?: RepoConfig; warnings: string[] }> {
  if (trustedSha === headSha) {
    const head = await readConfig(workspace, repo, headSha, sluiceFile);
    return { head, trusted: head.ok ? head.config : undefined, warnings: [] };
  }
  const [head, base] = await Promise.all([
    readConfig(workspace, repo, headSha, sluiceFile),
    readConfig(workspace, repo, trustedSha, sluiceFile),
  ]);
  const warnings = base.ok
    ? []
    : [`the base branch's ${base.file} is invalid, so the server's settings apply (requirements, workflows, apply_on)`];
  return { head, trusted: base.ok ? base.config : undefined, warnings };
}

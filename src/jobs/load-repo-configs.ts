import { ATLANTIS_FILE, loadRepoConfig, SLUICE_FILE } from "../config/repo/load-repo-config.js";
import type { RepoConfig } from "../model/repo-config.js";
import type { RepoRef } from "../model/repo.js";
import type { GitWorkspace } from "../workspace/git-workspace.js";

export type HeadConfig = { ok: true; config: RepoConfig } | { ok: false; file: string; errors: string[] };

/**
 * Reads `.sluice.yaml` / `atlantis.yaml` at each commit from git objects (all in one or two git
 * runs), never through the checkout: a config file that is a symlink yields its link text, not the
 * file it points at on the server.
 */
async function readConfigs(workspace: GitWorkspace, repo: RepoRef, shas: readonly string[], sluiceFile: string) {
  const texts = await workspace.readFilesAtPaths(
    repo,
    shas.flatMap((sha) => [
      { sha, path: sluiceFile },
      { sha, path: ATLANTIS_FILE },
    ]),
  );
  return shas.map((_, i) => loadRepoConfig({ sluice: texts[2 * i], atlantis: texts[2 * i + 1] }, { sluiceFile }));
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
  /** The trusted commit, or why there is none (a base branch that is not trusted: server settings only). */
  trustedSha: string | { untrusted: string },
  /** The server's `repo_config_file`. */
  sluiceFile: string = SLUICE_FILE,
): Promise<{ head: HeadConfig; trusted?: RepoConfig; warnings: string[] }> {
  if (typeof trustedSha !== "string") {
    const [head] = (await readConfigs(workspace, repo, [headSha], sluiceFile)) as [HeadConfig];
    return { head, warnings: [trustedSha.untrusted] };
  }
  if (trustedSha === headSha) {
    const [head] = (await readConfigs(workspace, repo, [headSha], sluiceFile)) as [HeadConfig];
    return { head, trusted: head.ok ? head.config : undefined, warnings: [] };
  }
  const [head, base] = (await readConfigs(workspace, repo, [headSha, trustedSha], sluiceFile)) as [HeadConfig, HeadConfig];
  const warnings = base.ok
    ? []
    : [`the base branch's ${base.file} is invalid, so the server's settings apply (requirements, workflows, apply_on)`];
  return { head, trusted: base.ok ? base.config : undefined, warnings };
}

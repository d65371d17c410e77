import { ATLANTIS_FILE, ATLANTIS_YML, loadRepoConfig, SLUICE_FILE } from "../config/repo/load-repo-config.js";
import { projectsForBaseBranch } from "../config/repo/projects-for-base-branch.js";
import type { RepoConfig } from "../model/repo-config.js";
import type { TrustedCommit } from "./trusted-commit.js";
import type { RepoRef } from "../model/repo.js";
import type { Workspace } from "../workspace/workspace.js";

export type HeadConfig = { ok: true; config: RepoConfig } | { ok: false; file: string; errors: string[] };

/** The head's config and the trusted commit's, as loadRepoConfigs reads them. */
export interface RepoConfigs {
  head: HeadConfig;
  trusted?: RepoConfig;
  warnings: string[];
}

/**
 * Reads `.sluice.yaml` / `atlantis.yaml` / `atlantis.yml` at each commit from git objects (all in one or two git
 * runs), never through the checkout: a config file that is a symlink yields its link text, not the
 * file it points at on the server.
 */
async function readConfigs(workspace: Workspace, repo: RepoRef, shas: readonly string[], sluiceFile: string, baseBranch?: string) {
  const names = [sluiceFile, ATLANTIS_FILE, ATLANTIS_YML];
  const texts = await workspace.readFilesAtPaths(
    repo,
    shas.flatMap((sha) => names.map((path) => ({ sha, path }))),
  );
  return shas.map((_, i): HeadConfig => {
    const [sluice, atlantis, atlantisYml] = texts.slice(names.length * i, names.length * (i + 1));
    const loaded = loadRepoConfig({ sluice, atlantis, atlantisYml }, { sluiceFile });
    if (!loaded.ok || baseBranch === undefined) return loaded;
    const filtered = projectsForBaseBranch(loaded.config, baseBranch);
    return filtered.ok ? filtered : { ok: false, file: loaded.config.file ?? ATLANTIS_FILE, errors: filtered.errors };
  });
}

/**
 * The head's config (which projects exist, what autoplan watches) and the trusted commit's config
 * (settings that decide what may run). A broken trusted config falls back to the server's
 * settings and says so; a broken head config stops the job with its errors.
 */
export async function loadRepoConfigs(
  workspace: Workspace,
  repo: RepoRef,
  headSha: string,
  /** The trusted commit, or why the base's is not (then no trusted config here: pullRequestSettings reads the default branch's). */
  trustedSha: TrustedCommit,
  /** The server's `repo_config_file`. */
  sluiceFile: string = SLUICE_FILE,
  /** The pull request's base branch: projects with an Atlantis `branch` that does not match it are left out. */
  baseBranch?: string,
): Promise<RepoConfigs> {
  if (typeof trustedSha !== "string") {
    const [head] = (await readConfigs(workspace, repo, [headSha], sluiceFile, baseBranch)) as [HeadConfig];
    return { head, warnings: [trustedSha.untrusted] };
  }
  if (trustedSha === headSha) {
    const [head] = (await readConfigs(workspace, repo, [headSha], sluiceFile, baseBranch)) as [HeadConfig];
    return { head, trusted: head.ok ? head.config : undefined, warnings: [] };
  }
  const [head, base] = (await readConfigs(workspace, repo, [headSha, trustedSha], sluiceFile, baseBranch)) as [HeadConfig, HeadConfig];
  const warnings = base.ok
    ? []
    : [`the base branch's ${base.file} is invalid, so the server's settings apply (requirements, workflows, apply_on)`];
  return { head, trusted: base.ok ? base.config : undefined, warnings };
}

import { pullRequestSettings } from "../../repo-reading/trusted-settings.js";
import type { Job } from "../../model/job.js";
import type { JobDeps } from "../../job-context/job-deps.js";
import { loadRepoConfigs } from "../../repo-reading/load-repo-configs.js";
import { trustedCommit } from "../../repo-reading/trusted-commit.js";

/**
 * Whether a pull request's trusted config gives any project a preview, read at its base (the
 * repository's own branch, never a fork's commits): a repository without previews gets no
 * preview job at all.
 */
export async function wantsPreviews(deps: JobDeps, job: Job): Promise<boolean> {
  if (!deps.config.allowed_overrides.includes("preview")) return false;
  const { repo } = job.target;
  const vcs = await deps.vcsFor(job);
  const pr = await vcs.pullRequest(repo, job.target.pr);
  if (pr.state !== "open") return false;
  await deps.workspace.fetchBranch(repo, job.target.cloneUrl, await vcs.cloneToken(), pr.baseRef);
  const trusted = await trustedCommit(deps, vcs, repo, pr, pr.baseSha);
  const configs = await loadRepoConfigs(deps.workspace, repo, pr.baseSha, trusted, deps.config.repo_config_file, pr.baseRef);
  const settings = await pullRequestSettings(deps, vcs, job, pr, trusted, configs.trusted);
  return (configs.trusted?.projects ?? []).some((p) => settings.previewFor(p) !== undefined);
}

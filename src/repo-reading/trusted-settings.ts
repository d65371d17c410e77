import { needsBaseFiles, baseProjectsOf } from "../config/trusted-identity.js";
import { repoSettings, type RepoSettings } from "../config/repo-settings.js";
import type { Job } from "../model/job.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { RepoConfig } from "../model/repo-config.js";
import { type RepoRef, repoFullName } from "../model/repo.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { loadRepoConfigs } from "./load-repo-configs.js";
import { type TrustedCommit, trustedCommit } from "./trusted-commit.js";

/** The commit whose projects say who a job's projects are, and its config. */
export interface IdentitySource {
  sha: string;
  config: RepoConfig | undefined;
}

/**
 * The job's settings, with every project's trusted identity found on `from`: its config's projects
 * and, where its autodiscovery is on, the dirs of its file list that autodiscovery makes projects
 * of. Read once per job; every trusted lookup of the settings goes through it.
 */
export async function trustedSettings(
  deps: Pick<JobDeps, "config" | "workspace" | "store">,
  repo: RepoRef,
  trusted: RepoConfig | undefined,
  from: IdentitySource,
): Promise<RepoSettings> {
  const files = needsBaseFiles(from.config) ? await deps.workspace.filesAt(repo, from.sha) : undefined;
  const former = await deps.store.formerRepositoryNames(repoFullName(repo));
  return repoSettings(deps.config, repoFullName(repo), trusted, process.env, baseProjectsOf(from.config, files), former);
}

/**
 * A pull request's settings: identities and trusted settings from the trusted commit; when the
 * base branch is not trusted, both from the default branch's head, since anyone who may push to
 * the base branch could rename its projects there. Both from one commit: a project known as the
 * default branch's `prod` (its credentials, permissions, windows) is judged by that `prod`'s rules
 * too (`protect`, its requirements), not by the server's alone.
 */
export async function pullRequestSettings(
  deps: Pick<JobDeps, "config" | "workspace" | "store">,
  vcs: Pick<VcsClient, "cloneToken">,
  job: Pick<Job, "target">,
  pr: Pick<PullRequestInfo, "defaultBranch">,
  trusted: TrustedCommit,
  trustedConfig: RepoConfig | undefined,
): Promise<RepoSettings> {
  const { repo } = job.target;
  if (typeof trusted === "string") return trustedSettings(deps, repo, trustedConfig, { sha: trusted, config: trustedConfig });
  const sha = await deps.workspace.fetchBranch(repo, job.target.cloneUrl, await vcs.cloneToken(), pr.defaultBranch);
  const read = await loadRepoConfigs(deps.workspace, repo, sha, sha, deps.config.repo_config_file);
  return trustedSettings(deps, repo, read.trusted, { sha, config: read.trusted });
}

/**
 * The commit whose CODEOWNERS and tree judge `code_owners`: the trusted commit; when the base
 * branch is not trusted, the default branch's head, as for every other trusted setting (whoever
 * may push to the base branch could write its CODEOWNERS).
 */
export async function ownersCommit(
  deps: Pick<JobDeps, "workspace">,
  vcs: Pick<VcsClient, "cloneToken">,
  job: Pick<Job, "target">,
  pr: Pick<PullRequestInfo, "defaultBranch">,
  trusted: TrustedCommit,
): Promise<string> {
  if (typeof trusted === "string") return trusted;
  return deps.workspace.fetchBranch(job.target.repo, job.target.cloneUrl, await vcs.cloneToken(), pr.defaultBranch);
}

/**
 * The settings of a pull request's trusted side alone, for jobs that check out nothing (`/unlock`,
 * `/approve_policies`): the base branch is fetched, its trusted commit and config read.
 */
export async function baseSettingsOf(
  deps: Pick<JobDeps, "config" | "workspace" | "store">,
  vcs: Pick<VcsClient, "cloneToken" | "branchProtected">,
  job: Pick<Job, "target">,
  pr: Pick<PullRequestInfo, "baseRef" | "baseSha" | "defaultBranch">,
): Promise<RepoSettings> {
  const { repo } = job.target;
  await deps.workspace.fetchBranch(repo, job.target.cloneUrl, await vcs.cloneToken(), pr.baseRef);
  const trusted = await trustedCommit(deps, vcs, repo, pr, pr.baseSha);
  const configs = await loadRepoConfigs(deps.workspace, repo, pr.baseSha, trusted, deps.config.repo_config_file, pr.baseRef);
  return pullRequestSettings(deps, vcs, job, pr, trusted, configs.trusted);
}

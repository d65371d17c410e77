import { ATLANTIS_FILE, ATLANTIS_YML } from "../config/repo/load-repo-config.js";
import type { Job } from "../model/job.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import { repoFullName } from "../model/repo.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { loadRepoConfigs } from "./load-repo-configs.js";

/**
 * Whether `atlantis …` commands are Sluice's in this PR: the repo is configured by atlantis.yaml
 * (valid or not: a broken one still deserves an answer) and has no .sluice.yaml. A fork's head
 * is never fetched to find out unless the server plans forks: the base branch's config decides.
 */
export async function usesAtlantisConfig(deps: JobDeps, job: Job, vcs: VcsClient, pr: PullRequestInfo): Promise<boolean> {
  // The server says Sluice is the only Atlantis here: no config to look at.
  if (deps.config.atlantis_prefix === "always") return true;
  const token = await vcs.cloneToken();
  const { repo, cloneUrl } = job.target;
  const fork = pr.headRepo !== repoFullName(repo) && !deps.config.allow_fork_prs;
  let sha = pr.headSha;
  if (fork) {
    sha = await deps.workspace.fetchBranch(repo, cloneUrl, token, pr.baseRef);
  } else {
    const checkout = await deps.workspace.checkout({
      repo,
      cloneUrl,
      token,
      pr: pr.number,
      headSha: pr.headSha,
      baseSha: pr.baseSha,
      baseRef: pr.baseRef,
    });
    checkout.release();
  }
  const { head } = await loadRepoConfigs(deps.workspace, repo, sha, sha, deps.config.repo_config_file);
  return head.ok ? head.config.source === "atlantis.yaml" : head.file === ATLANTIS_FILE || head.file === ATLANTIS_YML;
}

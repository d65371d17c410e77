import { globsCover } from "../config/glob-list.js";
import type { PullRequestInfo } from "../model/pull-request.js";
import type { RepoRef } from "../model/repo.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import type { JobDeps } from "../job-context/job-deps.js";

/** The commit whose repo config is trusted, or why the base's is not (then the default branch's head is: pullRequestSettings). */
export type TrustedCommit = string | { untrusted: string };

/**
 * The commit a pull request's trusted settings (requirements, workflows, apply_on, drift…) come
 * from: the base on the default branch; on another branch only when the server lists it in
 * `trusted_branches` and GitHub shows it as protected, so that nobody who can merely push to a
 * branch can write the rules a PR into it is judged by.
 */
export async function trustedCommit(
  deps: Pick<JobDeps, "config">,
  vcs: Pick<VcsClient, "branchProtected">,
  repo: RepoRef,
  pr: Pick<PullRequestInfo, "baseRef" | "defaultBranch">,
  /** The base branch's commit that decides (the base before the merge, on merge). */
  baseSha: string,
): Promise<TrustedCommit> {
  if (pr.baseRef === pr.defaultBranch) return baseSha;
  const listed = globsCover(deps.config.trusted_branches, pr.baseRef, { nocase: false });
  if (!listed) {
    return {
      untrusted: `the base branch \`${pr.baseRef}\` is not the default branch nor in the server's \`trusted_branches\`, so the default branch's repo config says who this pull request's projects are and which rules they keep (requirements, workflows, apply_on); the base branch's only lists the projects`,
    };
  }
  if (await vcs.branchProtected(repo, pr.baseRef)) return baseSha;
  return {
    untrusted: `the base branch \`${pr.baseRef}\` is in the server's \`trusted_branches\` but GitHub does not show it as protected, so the default branch's repo config says who this pull request's projects are and which rules they keep; protect the branch to trust its repo config`,
  };
}

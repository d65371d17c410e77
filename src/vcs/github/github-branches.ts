import type { RepoRef } from "../../model/repo.js";
import type { VcsClient } from "../vcs-client.js";
import { type GitHubCalls, notFoundAs } from "./github-calls.js";

/** A branch as GitHub shows it now (its tip, whether protected, classic protection's summary); a 404 propagates. */
export async function readBranch({ octokit, request, retry, ids }: GitHubCalls, repo: RepoRef, branch: string) {
  const { data } = await retry(`reading branch ${branch}`, () =>
    octokit.rest.repos.getBranch({ ...ids(repo), branch, request: request() }),
  );
  return data;
}

/** The same, undefined when the branch does not exist. */
export const branchNow = (calls: GitHubCalls, repo: RepoRef, branch: string) =>
  readBranch(calls, repo, branch).catch(notFoundAs(undefined));

/** A repository's default branch and its tip, and whether a branch is protected. */
export function gitHubBranches(calls: GitHubCalls): Pick<VcsClient, "defaultBranch" | "branchProtected"> {
  const { octokit, request, retry, ids } = calls;
  return {
    async defaultBranch(repo) {
      const { data } = await retry("reading the repository", () => octokit.rest.repos.get({ ...ids(repo), request: request() }));
      const branch = await readBranch(calls, repo, data.default_branch);
      return { name: data.default_branch, sha: branch.commit.sha };
    },
    async branchProtected(repo, branch) {
      return (await branchNow(calls, repo, branch))?.protected === true;
    },
  };
}

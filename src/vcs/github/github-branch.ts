import type { RepoRef } from "../../model/repo.js";
import type { GitHubCalls } from "./github-calls.js";

/** A rejection handler: GitHub's 404 (the thing is absent) becomes `value`; every other error still propagates. */
export const notFoundAs =
  <T>(value: T) =>
  (e: unknown): T => {
    if ((e as { status?: number }).status === 404) return value;
    throw e;
  };

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

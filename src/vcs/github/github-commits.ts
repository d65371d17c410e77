import type { VcsClient } from "../vcs-client.js";
import type { GitHubCalls } from "./github-calls.js";

/** Whether commits are signed and verified, and whose accounts GitHub matched to a commit. */
export function gitHubCommits({
  octokit,
  request,
  retry,
  ids,
}: GitHubCalls): Pick<VcsClient, "unverifiedCommits" | "commitVerified" | "commitUsers"> {
  return {
    async unverifiedCommits(repo, pr) {
      // A pull request's own commit list stops at 250; a comparison of its base and head, read
      // page by page, lists them all, and says how many there are.
      const basehead = `${pr.baseSha}...${pr.headSha}`;
      const unverified: string[] = [];
      let listed = 0;
      for (let page = 1; ; page++) {
        const { data } = await retry(`listing the commits of ${pr.baseSha.slice(0, 7)}...${pr.headSha.slice(0, 7)}`, () =>
          octokit.rest.repos.compareCommitsWithBasehead({ ...ids(repo), basehead, per_page: 100, page, request: request() }),
        );
        for (const c of data.commits) if (c.commit.verification?.verified !== true) unverified.push(c.sha);
        listed += data.commits.length;
        if (listed >= data.total_commits) return unverified;
        if (data.commits.length === 0) throw new Error(`GitHub listed ${listed} of the ${data.total_commits} commits of this pull request`);
      }
    },
    async commitVerified(repo, sha) {
      const { data } = await retry(`reading commit ${sha.slice(0, 7)}`, () =>
        octokit.rest.repos.getCommit({ ...ids(repo), ref: sha, request: request() }),
      );
      return data.commit.verification?.verified === true;
    },
    async commitUsers(repo, sha) {
      // One file of the diff is enough: the accounts are what is read, and a large commit's files are many.
      const { data } = await retry(`reading commit ${sha.slice(0, 7)}`, () =>
        octokit.rest.repos.getCommit({ ...ids(repo), ref: sha, per_page: 1, request: request() }),
      );
      const logins = [data.author?.login, data.committer?.login].filter((l): l is string => typeof l === "string" && l !== "");
      return [...new Set(logins)];
    },
  };
}

import type { PullRequestInfo } from "../../model/pull-request.js";
import type { VcsClient } from "../vcs-client.js";
import { branchNow } from "./github-branches.js";
import type { GitHubCalls } from "./github-calls.js";

/** A pull request as GitHub shows it now, its merge, and the pull requests a commit heads. */
export function gitHubPulls(calls: GitHubCalls): Pick<VcsClient, "pullRequest" | "merge" | "pullRequestsOfCommit"> {
  const { octokit, request, retry, ids } = calls;
  return {
    async pullRequest(repo, number) {
      const { data } = await retry(`reading PR #${number}`, () =>
        octokit.rest.pulls.get({ ...ids(repo), pull_number: number, request: request() }),
      );
      // GitHub's `base.sha` is the base branch's tip when the PR was opened, not now: the rules a
      // PR is judged by (the base branch's config and projects) and its plans' base are the tip's.
      // A base branch gone (GitHub closes the PR then) leaves the one GitHub names.
      const baseSha = data.state === "open" ? ((await branchNow(calls, repo, data.base.ref))?.commit.sha ?? data.base.sha) : data.base.sha;
      return {
        number: data.number,
        state: data.state === "closed" ? "closed" : "open",
        merged: data.merged === true,
        draft: data.draft === true,
        author: data.user?.login ?? "",
        ...(typeof data.user?.id === "number" ? { authorId: data.user.id } : {}),
        headSha: data.head.sha,
        headRef: data.head.ref,
        headRepo: data.head.repo?.full_name ?? "",
        baseSha,
        baseRef: data.base.ref,
        defaultBranch: data.base.repo.default_branch,
        htmlUrl: data.html_url,
        mergeable: data.mergeable ?? null,
        mergeableState: data.mergeable_state ?? "unknown",
        ...(data.closed_at ? { closedAt: data.closed_at } : {}),
      } satisfies PullRequestInfo;
    },
    async merge(repo, pr, method, headSha) {
      // Without `sha` GitHub merges whatever the head is when the call lands: a commit pushed
      // after the apply would be merged unplanned and unapplied.
      await retry(`merging #${pr}`, () =>
        octokit.rest.pulls.merge({ ...ids(repo), pull_number: pr, merge_method: method, sha: headSha, request: request() }),
      );
    },
    async pullRequestsOfCommit(repo, sha) {
      const list = await retry(`listing the pull requests of ${sha.slice(0, 7)}`, () =>
        octokit.paginate(octokit.rest.repos.listPullRequestsAssociatedWithCommit, {
          ...ids(repo),
          commit_sha: sha,
          per_page: 100,
          request: request(),
        }),
      );
      const own = list.filter((p) => p.state === "open" && p.head.sha === sha).map((p) => p.number);
      if (own.length) return own;
      // GitHub associates a commit with PRs of the repository's own branches only: a fork's head
      // commit lists none (its check events list none either), so its PR is an open one with that head.
      const open = await retry("listing the open pull requests", () =>
        octokit.paginate(octokit.rest.pulls.list, { ...ids(repo), state: "open", per_page: 100, request: request() }),
      );
      return open.filter((p) => p.head.sha === sha).map((p) => p.number);
    },
  };
}

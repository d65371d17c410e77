import type { PullRequestInfo } from "../../model/pull-request.js";
import type { VcsClient } from "../vcs-client.js";
import { branchNow, notFoundAs, readBranch } from "./github-branch.js";
import { type GitHubVcsOptions, gitHubCalls, type Octokit } from "./github-calls.js";
import { gitHubChecks } from "./github-checks.js";
import { gitHubComments } from "./github-comments.js";
import { gitHubDeployments } from "./github-deployments.js";
import { gitHubIssues } from "./github-issues.js";
import { gitHubMergeBlockers } from "./github-merge-blockers.js";
import { gitHubReviews } from "./github-reviews.js";

/** The GitHub adapter over one installation's Octokit: comments, checks, issues, deployments and reviews in their own files; PRs, permissions and repositories here. */
export function createGitHubVcs(octokit: Octokit, opts: GitHubVcsOptions): VcsClient {
  const calls = gitHubCalls(octokit, opts);
  const { request, retry, ids } = calls;
  return {
    ...gitHubComments(calls),
    ...gitHubChecks(calls),
    ...gitHubIssues(calls),
    ...gitHubDeployments(calls),
    ...gitHubReviews(calls),
    ...gitHubMergeBlockers(calls),
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
    async permissionOf(repo, user) {
      const answer = await retry(`reading the permission of ${user}`, () =>
        octokit.rest.repos.getCollaboratorPermissionLevel({ ...ids(repo), username: user, request: request() }),
      ).catch(notFoundAs(undefined));
      // Not a collaborator at all.
      if (!answer) return "none";
      const { data } = answer;
      // role_name distinguishes maintain and triage, which `permission` folds into write and read.
      const role = (data as { role_name?: string }).role_name;
      if (role === "maintain" || role === "triage") return role;
      const p = data.permission;
      return p === "admin" || p === "write" || p === "read" ? p : "none";
    },
    async merge(repo, pr, method, headSha) {
      // Without `sha` GitHub merges whatever the head is when the call lands: a commit pushed
      // after the apply would be merged unplanned and unapplied.
      await retry(`merging #${pr}`, () =>
        octokit.rest.pulls.merge({ ...ids(repo), pull_number: pr, merge_method: method, sha: headSha, request: request() }),
      );
    },
    async defaultBranch(repo) {
      const { data } = await retry("reading the repository", () => octokit.rest.repos.get({ ...ids(repo), request: request() }));
      const branch = await readBranch(calls, repo, data.default_branch);
      return { name: data.default_branch, sha: branch.commit.sha };
    },
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
    async branchProtected(repo, branch) {
      return (await branchNow(calls, repo, branch))?.protected === true;
    },
    async teamMember(org, teamSlug, user) {
      const membership = await retry(`reading ${user}'s membership of ${org}/${teamSlug}`, () =>
        octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: teamSlug, username: user, request: request() }),
      ).catch(notFoundAs(undefined));
      // No membership at all (404), or "pending", an invitation not yet accepted: not a member.
      return membership?.data.state === "active";
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
    async cloneToken() {
      const auth = (await retry("minting an installation token", () =>
        (octokit.auth as (o: { type: string }) => Promise<unknown>)({ type: "installation" }),
      )) as { token?: string };
      if (!auth.token) throw new Error("the installation token could not be read");
      return auth.token;
    },
  };
}

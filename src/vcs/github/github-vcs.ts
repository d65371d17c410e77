import type { VcsClient } from "../vcs-client.js";
import { gitHubAccess } from "./github-access.js";
import { gitHubActivity } from "./github-activity.js";
import { gitHubBranches } from "./github-branches.js";
import { type GitHubVcsOptions, gitHubCalls, type Octokit } from "./github-calls.js";
import { gitHubChecks } from "./github-checks.js";
import { gitHubComments } from "./github-comments.js";
import { gitHubCommits } from "./github-commits.js";
import { gitHubDeployments } from "./github-deployments.js";
import { gitHubIssues } from "./github-issues.js";
import { gitHubMergeBlockers } from "./github-merge-blockers.js";
import { gitHubPulls } from "./github-pulls.js";
import { gitHubReviews } from "./github-reviews.js";

/** The GitHub adapter over one installation's Octokit: each group of calls in its own file, all over the one retry policy and timeout. */
export function createGitHubVcs(octokit: Octokit, opts: GitHubVcsOptions): VcsClient {
  const calls = gitHubCalls(octokit, opts);
  return {
    ...gitHubComments(calls),
    ...gitHubChecks(calls),
    ...gitHubIssues(calls),
    ...gitHubDeployments(calls),
    ...gitHubReviews(calls),
    ...gitHubMergeBlockers(calls),
    ...gitHubPulls(calls),
    ...gitHubCommits(calls),
    ...gitHubActivity(calls),
    ...gitHubBranches(calls),
    ...gitHubAccess(calls),
  };
}

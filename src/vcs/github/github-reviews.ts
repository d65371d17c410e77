import type { Review, ReviewDecision } from "../../model/pull-request.js";
import type { VcsClient } from "../vcs-client.js";
import type { GitHubCalls } from "./github-calls.js";

// Only GraphQL tells a pull request's review decision (what branch protection's review rules say);
// REST's `mergeable_state` says `blocked` for that and for other rules alike.
const REVIEW_DECISION = `query ($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) { pullRequest(number: $number) { reviewDecision } }
}`;

interface ReviewDecisionAnswer {
  repository: { pullRequest: { reviewDecision: ReviewDecision | null } | null } | null;
}

/** A pull request's reviews (REST) and its review decision (GraphQL). */
export function gitHubReviews({ octokit, request, retry, ids }: GitHubCalls): Pick<VcsClient, "reviews" | "reviewDecision"> {
  return {
    async reviews(repo, pr) {
      const list = await retry(`reading reviews of #${pr}`, () =>
        octokit.paginate(octokit.rest.pulls.listReviews, { ...ids(repo), pull_number: pr, per_page: 100, request: request() }),
      );
      return list.map(
        (r): Review => ({
          user: r.user?.login ?? "",
          state: r.state as Review["state"],
          commitId: r.commit_id ?? "",
          submittedAt: r.submitted_at ?? "",
        }),
      );
    },
    async reviewDecision(repo, pr) {
      const { owner, repo: name } = ids(repo);
      const data = await retry(`reading the review decision of #${pr}`, () =>
        octokit.graphql<ReviewDecisionAnswer>(REVIEW_DECISION, { owner, name, number: pr, request: request() }),
      );
      // GraphQL answers a pull request it cannot show with an error, which octokit throws; a null
      // here is one it showed without a decision (no review rule on its base branch).
      return data.repository?.pullRequest?.reviewDecision ?? null;
    },
  };
}

import type { Review } from "../../model/pull-request.js";
import type { VcsClient } from "../vcs-client.js";
import type { GitHubCalls } from "./github-calls.js";

/** A pull request's reviews. */
export function gitHubReviews({ octokit, request, retry, ids }: GitHubCalls): Pick<VcsClient, "reviews"> {
  return {
    async reviews(repo, pr) {
      const list = await retry(`reading reviews of #${pr}`, () =>
        octokit.paginate(octokit.rest.pulls.listReviews, { ...ids(repo), pull_number: pr, per_page: 100, request: request() }),
      );
      return list.map(
        (r): Review => ({
          user: r.user?.login ?? "",
          ...(typeof r.user?.id === "number" ? { userId: r.user.id } : {}),
          state: r.state as Review["state"],
          commitId: r.commit_id ?? "",
          submittedAt: r.submitted_at ?? "",
        }),
      );
    },
  };
}

import type { VcsClient } from "../vcs-client.js";
import type { GitHubCalls } from "./github-calls.js";

/**
 * Who moved a branch to a commit, from GitHub's repository activity (pushes, force pushes, the
 * branch's creation): what stands in for a `synchronize` Sluice never heard.
 */
export function gitHubActivity({ octokit, request, retry, ids }: GitHubCalls): Pick<VcsClient, "branchPushesOf"> {
  return {
    async branchPushesOf(repo, branch, sha) {
      let data: Awaited<ReturnType<typeof octokit.rest.repos.listActivities>>["data"];
      try {
        // The newest 100 of the branch: a head is what the branch was moved to last, or lately.
        ({ data } = await retry(`reading the activity of ${branch}`, () =>
          octokit.rest.repos.listActivities({ ...ids(repo), ref: `refs/heads/${branch}`, per_page: 100, request: request() }),
        ));
      } catch (e) {
        // A GitHub Enterprise Server older than the endpoint (404), or one that refuses the query
        // (422): no activity to read, which is what the caller falls back from.
        const status = (e as { status?: number }).status;
        if (status === 404 || status === 422) return undefined;
        throw e;
      }
      const moves = data.filter((a) => a.after === sha);
      const pushers = moves.flatMap((a) => (a.actor ? [{ login: a.actor.login, id: a.actor.id }] : []));
      // A move by a deleted account (no actor) names no one, and that account approves nothing: those
      // named are the pushers all the same (else one of them would escape as a stand-in's guess).
      // Only moves by deleted accounts alone leave the pusher unknown.
      if (pushers.length === 0) return undefined;
      const pushedAt = moves
        .map((a) => a.timestamp)
        .sort()
        .at(-1) as string;
      return { pushers, pushedAt };
    },
  };
}

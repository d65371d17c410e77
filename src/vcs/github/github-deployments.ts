import type { VcsClient } from "../vcs-client.js";
import type { GitHubCalls } from "./github-calls.js";

/** Deployments: every apply is one, its environment the project (or preview) name. */
export function gitHubDeployments({
  octokit,
  request,
  retry,
  ids,
}: GitHubCalls): Pick<VcsClient, "createDeployment" | "setDeploymentStatus"> {
  return {
    async createDeployment(repo, d) {
      const { data } = await retry(`creating a deployment to ${d.environment}`, () =>
        octokit.rest.repos.createDeployment({
          ...ids(repo),
          ref: d.sha,
          environment: d.environment,
          description: d.description.slice(0, 140),
          // Sluice applied it already: no merge of the default branch, no required contexts to wait on.
          auto_merge: false,
          required_contexts: [],
          // A preview's environment goes away with its pull request.
          transient_environment: d.transient === true,
          request: request(),
        }),
      );
      if (!("id" in data)) throw new Error(`GitHub did not create the deployment: ${data.message ?? "no reason given"}`);
      return data.id;
    },
    async setDeploymentStatus(repo, deploymentId, state, description, opts) {
      await retry(`setting deployment ${deploymentId} to ${state}`, () =>
        octokit.rest.repos.createDeploymentStatus({
          ...ids(repo),
          deployment_id: deploymentId,
          state,
          description: description.slice(0, 140),
          ...(opts?.environmentUrl ? { environment_url: opts.environmentUrl } : {}),
          request: request(),
        }),
      );
    },
  };
}

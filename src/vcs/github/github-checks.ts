import type { CheckUpdate, VcsClient } from "../vcs-client.js";
import type { GitHubCalls } from "./github-calls.js";

/** Check runs: Sluice's own (found again by external id and app), and every run on a commit. */
export function gitHubChecks({
  octokit,
  appSlug,
  request,
  retry,
  ids,
}: GitHubCalls): Pick<VcsClient, "createCheck" | "updateCheck" | "touchCheck" | "checkRuns"> {
  const checkBody = (u: CheckUpdate) => ({
    status: u.status,
    ...(u.status === "completed" ? { conclusion: u.conclusion ?? "neutral", completed_at: new Date().toISOString() } : {}),
    output: { title: u.title, summary: u.summary },
    ...(u.actions ? { actions: u.actions } : {}),
  });

  return {
    async createCheck(repo, name, headSha, update, externalId) {
      const find = async () => {
        const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
          ...ids(repo),
          ref: headSha,
          check_name: name,
          per_page: 100,
          request: request(),
        });
        const slug = await appSlug();
        // Another app (a workflow's token) can create a run with the same name and external id.
        return runs.find((r) => r.external_id === externalId && r.app?.slug === slug)?.id;
      };
      return retry(
        `creating check ${name}`,
        async () =>
          (
            await octokit.rest.checks.create({
              ...ids(repo),
              name,
              head_sha: headSha,
              ...(externalId ? { external_id: externalId } : {}),
              ...checkBody(update),
              request: request(),
            })
          ).data.id,
        externalId ? find : undefined,
      );
    },
    async updateCheck(repo, checkRunId, update) {
      await retry(`updating check ${checkRunId}`, () =>
        octokit.rest.checks.update({ ...ids(repo), check_run_id: checkRunId, ...checkBody(update), request: request() }),
      );
    },
    async touchCheck(repo, checkRunId, conclusion, completedAt) {
      await retry(`updating check ${checkRunId}`, () =>
        octokit.rest.checks.update({
          ...ids(repo),
          check_run_id: checkRunId,
          conclusion: conclusion as CheckUpdate["conclusion"] & string,
          completed_at: completedAt,
          request: request(),
        }),
      );
    },
    async checkRuns(repo, sha) {
      const runs = await retry(`reading check runs of ${sha.slice(0, 7)}`, () =>
        octokit.paginate(octokit.rest.checks.listForRef, { ...ids(repo), ref: sha, per_page: 100, request: request() }),
      );
      return runs.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        conclusion: r.conclusion ?? null,
        externalId: r.external_id ?? null,
      }));
    },
  };
}

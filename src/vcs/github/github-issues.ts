import type { IssueInfo, VcsClient } from "../vcs-client.js";
import type { GitHubCalls } from "./github-calls.js";

/** Issues (drift issues): only the app's own count as Sluice's, whatever their title and labels. */
export function gitHubIssues({
  octokit,
  appSlug,
  request,
  retry,
  ids,
}: GitHubCalls): Pick<VcsClient, "openIssues" | "issue" | "createIssue" | "updateIssue"> {
  return {
    async openIssues(repo, label) {
      const list = await retry(`listing issues labelled ${label}`, () =>
        octokit.paginate(octokit.rest.issues.listForRepo, {
          ...ids(repo),
          labels: label,
          state: "open",
          per_page: 100,
          request: request(),
        }),
      );
      const self = await appSlug();
      return list.filter((i) => !i.pull_request).map((i) => issueInfo(i, self));
    },
    async issue(repo, number) {
      const { data } = await retry(`reading issue #${number}`, () =>
        octokit.rest.issues.get({ ...ids(repo), issue_number: number, request: request() }),
      );
      return issueInfo(data, await appSlug());
    },
    async createIssue(repo, issue) {
      const self = await appSlug();
      const find = async () => {
        const open = await octokit.paginate(octokit.rest.issues.listForRepo, {
          ...ids(repo),
          labels: issue.labels.join(","),
          state: "open",
          per_page: 100,
          request: request(),
        });
        // Only an issue of the app's own: anyone may open one with the same title and labels.
        const found = open.map((i) => issueInfo(i, self)).find((i) => i.byApp && i.title === issue.title);
        return found;
      };
      return retry(
        `opening issue ${issue.title}`,
        async () => issueInfo((await octokit.rest.issues.create({ ...ids(repo), ...issue, request: request() })).data, self),
        find,
      );
    },
    async updateIssue(repo, number, patch) {
      const { data } = await retry(`editing issue #${number}`, () =>
        octokit.rest.issues.update({ ...ids(repo), issue_number: number, ...patch, request: request() }),
      );
      return typeof data.updated_at === "string" ? { updatedAt: data.updated_at } : {};
    },
  };
}

function issueInfo(
  i: {
    number: number;
    title: string;
    body?: string | null;
    state: string;
    labels: (string | { name?: string })[];
    html_url: string;
    user?: { login: string; type?: string } | null;
  },
  appSlug: string,
): IssueInfo {
  const author = i.user?.login ?? "";
  return {
    number: i.number,
    title: i.title,
    body: i.body ?? "",
    state: i.state === "closed" ? "closed" : "open",
    labels: i.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))),
    htmlUrl: i.html_url,
    author,
    byApp: i.user?.type === "Bot" && author === `${appSlug}[bot]`,
  };
}

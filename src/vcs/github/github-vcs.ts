import type { ProbotOctokit } from "probot";
import type { RepoRef } from "../../model/repo.js";
import { type CheckUpdate, type IssueInfo, type VcsClient, VcsError } from "../vcs-client.js";
import type { PullRequestInfo, Review } from "../../model/pull-request.js";
import { parseMarker } from "../../render/marker.js";
import { type RetryPolicy, withRetry } from "./with-retry.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface GitHubVcsOptions {
  retry: RetryPolicy;
  requestTimeoutMs: number;
  onRetry?: (message: string, delayMs: number) => void;
  /**
   * The app's slug: only comments by its Bot account (`<app-slug>[bot]`) and check runs of this app
   * are ever taken for Sluice's. Asked for only when a lookup needs it.
   */
  appSlug: () => Promise<string>;
  /** Every answer's `x-ratelimit-remaining`, for the metrics. */
  onRateLimit?: (remaining: number) => void;
}

/** The GitHub adapter over one installation's Octokit. */
export function createGitHubVcs(octokit: Octokit, opts: GitHubVcsOptions): VcsClient {
  if (opts.onRateLimit) {
    const report = opts.onRateLimit;
    octokit.hook.after("request", (response) => {
      const remaining = Number(response.headers["x-ratelimit-remaining"]);
      if (Number.isFinite(remaining)) report(remaining);
    });
  }
  const request = () => ({ signal: AbortSignal.timeout(opts.requestTimeoutMs) });
  const onRetry = (err: Error, delay: number) => opts.onRetry?.(err.message, delay);
  const retry = <T>(what: string, fn: () => Promise<T>, beforeRetry?: () => Promise<T | undefined>) =>
    withRetry(what, fn, opts.retry, { beforeRetry, onRetry });
  const ids = (repo: RepoRef) => ({ owner: repo.owner, repo: repo.name });

  /**
   * Our comments start with a unique marker line: find one that an earlier attempt created. Only
   * the app's own comments count; a user who posts the same marker gets nothing of ours.
   */
  async function ownComments(repo: RepoRef, pr: number): Promise<{ id: number; body: string }[]> {
    const self = `${await opts.appSlug()}[bot]`;
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      ...ids(repo),
      issue_number: pr,
      per_page: 100,
      request: request(),
    });
    return comments.filter((c) => c.user?.type === "Bot" && c.user.login === self).map((c) => ({ id: c.id, body: c.body ?? "" }));
  }
  async function findOwn(repo: RepoRef, pr: number, firstLine: string): Promise<{ id: number; body: string } | undefined> {
    return (await ownComments(repo, pr)).find((c) => c.body.split("\n", 1)[0] === firstLine);
  }
  async function findOwnByFirstLine(repo: RepoRef, pr: number, firstLine: string): Promise<number | undefined> {
    return (await findOwn(repo, pr, firstLine))?.id;
  }
  /** Markers whose create failed without a clear answer: the comment may exist, look before writing. */
  const uncertain = new Set<string>();

  const checkBody = (u: CheckUpdate) => ({
    status: u.status,
    ...(u.status === "completed" ? { conclusion: u.conclusion ?? "neutral", completed_at: new Date().toISOString() } : {}),
    output: { title: u.title, summary: u.summary },
    ...(u.actions ? { actions: u.actions } : {}),
  });

  return {
    async pullRequest(repo, number) {
      const { data } = await retry(`reading PR #${number}`, () =>
        octokit.rest.pulls.get({ ...ids(repo), pull_number: number, request: request() }),
      );
      return {
        number: data.number,
        state: data.state === "closed" ? "closed" : "open",
        merged: data.merged === true,
        draft: data.draft === true,
        author: data.user?.login ?? "",
        headSha: data.head.sha,
        headRef: data.head.ref,
        headRepo: data.head.repo?.full_name ?? "",
        baseSha: data.base.sha,
        baseRef: data.base.ref,
        defaultBranch: data.base.repo.default_branch,
        htmlUrl: data.html_url,
        mergeable: data.mergeable ?? null,
        mergeableState: data.mergeable_state ?? "unknown",
      } satisfies PullRequestInfo;
    },
    async createComment(repo, pr, body, createOpts) {
      // Every comment Sluice writes is idempotent: it starts with its marker, so a retry after a
      // lost answer finds it instead of posting it twice.
      const firstLine = body.split("\n", 1)[0] ?? "";
      if (!parseMarker(firstLine)) throw new Error("a Sluice comment must start with its marker line (render/marker.ts)");
      const key = `${repo.owner}/${repo.name}#${pr} ${firstLine}`;
      const find = () => findOwnByFirstLine(repo, pr, firstLine);
      if (uncertain.has(key) || createOpts?.mayExist) {
        const landed = await retry(`looking for comment ${firstLine}`, find);
        if (landed !== undefined) return landed;
      }
      try {
        const id = await retry(
          `commenting on #${pr}`,
          async () => (await octokit.rest.issues.createComment({ ...ids(repo), issue_number: pr, body, request: request() })).data.id,
          find,
        );
        uncertain.delete(key);
        return id;
      } catch (e) {
        // Refused outright (4xx) means nothing was written; anything else may have landed.
        if (!(e instanceof VcsError) || e.retryable) uncertain.add(key);
        throw e;
      }
    },
    async updateComment(repo, commentId, body) {
      await retry(`editing comment ${commentId}`, () =>
        octokit.rest.issues.updateComment({ ...ids(repo), comment_id: commentId, body, request: request() }),
      );
    },
    async ownComment(repo, pr, firstLine) {
      return retry(`looking for comment ${firstLine}`, () => findOwn(repo, pr, firstLine));
    },
    ownComments: (repo, pr) => retry(`listing comments of #${pr}`, () => ownComments(repo, pr)),
    async react(repo, commentId, content) {
      await retry(`reacting to comment ${commentId}`, () =>
        octokit.rest.reactions.createForIssueComment({ ...ids(repo), comment_id: commentId, content, request: request() }),
      );
    },
    async createCheck(repo, name, headSha, update, externalId) {
      const find = async () => {
        const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
          ...ids(repo),
          ref: headSha,
          check_name: name,
          per_page: 100,
          request: request(),
        });
        const slug = await opts.appSlug();
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
    async permissionOf(repo, user) {
      try {
        const { data } = await retry(`reading the permission of ${user}`, () =>
          octokit.rest.repos.getCollaboratorPermissionLevel({ ...ids(repo), username: user, request: request() }),
        );
        // role_name distinguishes maintain and triage, which `permission` folds into write and read.
        const role = (data as { role_name?: string }).role_name;
        if (role === "maintain" || role === "triage") return role;
        const p = data.permission;
        return p === "admin" || p === "write" || p === "read" ? p : "none";
      } catch (e) {
        // Not a collaborator at all.
        if ((e as { status?: number }).status === 404) return "none";
        throw e;
      }
    },
    async reviews(repo, pr) {
      const list = await retry(`reading reviews of #${pr}`, () =>
        octokit.paginate(octokit.rest.pulls.listReviews, { ...ids(repo), pull_number: pr, per_page: 100, request: request() }),
      );
      return list.map((r) => ({
        user: r.user?.login ?? "",
        state: r.state as Review["state"],
        commitId: r.commit_id ?? "",
        submittedAt: r.submitted_at ?? "",
      }));
    },
    async checkRuns(repo, sha) {
      const runs = await retry(`reading check runs of ${sha.slice(0, 7)}`, () =>
        octokit.paginate(octokit.rest.checks.listForRef, { ...ids(repo), ref: sha, per_page: 100, request: request() }),
      );
      return runs.map((r) => ({ name: r.name, status: r.status, conclusion: r.conclusion ?? null }));
    },
    async merge(repo, pr, method) {
      await retry(`merging #${pr}`, () =>
        octokit.rest.pulls.merge({ ...ids(repo), pull_number: pr, merge_method: method, request: request() }),
      );
    },
    async defaultBranch(repo) {
      const { data } = await retry("reading the repository", () => octokit.rest.repos.get({ ...ids(repo), request: request() }));
      const branch = await retry(`reading branch ${data.default_branch}`, () =>
        octokit.rest.repos.getBranch({ ...ids(repo), branch: data.default_branch, request: request() }),
      );
      return { name: data.default_branch, sha: branch.data.commit.sha };
    },
    async unverifiedCommits(repo, pr) {
      const commits = await retry(`listing the commits of #${pr}`, () =>
        octokit.paginate(octokit.rest.pulls.listCommits, { ...ids(repo), pull_number: pr, per_page: 100, request: request() }),
      );
      return commits.filter((c) => c.commit.verification?.verified !== true).map((c) => c.sha);
    },
    async commitVerified(repo, sha) {
      const { data } = await retry(`reading commit ${sha.slice(0, 7)}`, () =>
        octokit.rest.repos.getCommit({ ...ids(repo), ref: sha, request: request() }),
      );
      return data.commit.verification?.verified === true;
    },
    async branchProtected(repo, branch) {
      try {
        const { data } = await retry(`reading branch ${branch}`, () =>
          octokit.rest.repos.getBranch({ ...ids(repo), branch, request: request() }),
        );
        return data.protected === true;
      } catch (e) {
        if ((e as { status?: number }).status === 404) return false;
        throw e;
      }
    },
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
      const self = await opts.appSlug();
      return list.filter((i) => !i.pull_request).map((i) => issueInfo(i, self));
    },
    async issue(repo, number) {
      const { data } = await retry(`reading issue #${number}`, () =>
        octokit.rest.issues.get({ ...ids(repo), issue_number: number, request: request() }),
      );
      return issueInfo(data, await opts.appSlug());
    },
    async createIssue(repo, issue) {
      const self = await opts.appSlug();
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
      await retry(`editing issue #${number}`, () =>
        octokit.rest.issues.update({ ...ids(repo), issue_number: number, ...patch, request: request() }),
      );
    },
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
    async teamMember(org, teamSlug, user) {
      try {
        const { data } = await retry(`reading ${user}'s membership of ${org}/${teamSlug}`, () =>
          octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: teamSlug, username: user, request: request() }),
        );
        // "pending" is an invitation not yet accepted: not a member.
        return data.state === "active";
      } catch (e) {
        if ((e as { status?: number }).status === 404) return false;
        throw e;
      }
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
      return list.filter((p) => p.state === "open" && p.head.sha === sha).map((p) => p.number);
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

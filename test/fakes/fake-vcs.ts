import type { BranchPushes } from "../../src/model/head-push.js";
import type { MergeBlockers, Permission, PullRequestInfo, RequiredCheck, Review } from "../../src/model/pull-request.js";
import { type RepoRef, repoFullName } from "../../src/model/repo.js";
import type { CheckRunInfo, CheckUpdate, DeploymentState, IssueInfo, VcsClient } from "../../src/vcs/vcs-client.js";

export interface FakeComment {
  id: number;
  repo: string;
  pr: number;
  body: string;
  /** Every body the comment had, oldest first (created, then each edit). */
  history: string[];
}

export interface FakeCheck {
  id: number;
  repo: string;
  name: string;
  headSha: string;
  externalId?: string;
  /** Every update the check got, the creating one first. */
  updates: CheckUpdate[];
  /** Each time it was marked completed again (touchCheck). */
  touched?: { conclusion: string; completedAt: string }[];
}

/** A pull request as the fake answers for it; every field has a plain default. */
export function fakePullRequest(over: Partial<PullRequestInfo> = {}): PullRequestInfo {
  return {
    number: 1,
    state: "open",
    merged: false,
    draft: false,
    author: "alice",
    headSha: "h".repeat(40),
    headRef: "feature",
    headRepo: "acme/infra",
    baseSha: "b".repeat(40),
    baseRef: "main",
    defaultBranch: "main",
    htmlUrl: "https://github.example/acme/infra/pull/1",
    mergeable: true,
    mergeableState: "clean",
    ...over,
  };
}

/**
 * The VCS port in memory: records comments, checks, reactions and merges; answers permissions,
 * reviews, check runs and pull requests from what the test configured. Unknown users have no
 * access ("none"), as on GitHub.
 */
/** The account id a fake login has unless a test says otherwise (stable, distinct per login). */
export function fakeUserId(login: string): number {
  let h = 7;
  for (const c of login.toLowerCase()) h = (h * 31 + c.charCodeAt(0)) % 1_000_000_007;
  return h + 1;
}

export class FakeVcs implements VcsClient {
  readonly comments: FakeComment[] = [];
  readonly checks: FakeCheck[] = [];
  readonly reactions: { repo: string; commentId: number; reaction: string }[] = [];
  readonly merges: { repo: string; pr: number; method: string; headSha: string }[] = [];
  readonly permissions = new Map<string, Permission>();
  /** Active members by `org/team` (nested teams already flattened, as GitHub answers). */
  readonly teams = new Map<string, string[]>();
  /** Accounts by login (lower-cased): a login not set here is its own account, `fakeUserId(login)`. */
  readonly userIds = new Map<string, number | undefined>();
  readonly reviewsOf = new Map<number, Review[]>();
  /** What holds a blocked PR (its review decision and head's rollup); none: nothing at all. */
  readonly mergeBlockersOf = new Map<number, MergeBlockers>();
  readonly pullRequests = new Map<number, PullRequestInfo>();
  checkRunsAt: CheckRunInfo[] = [];
  /** The default branch and its head, as `defaultBranch` answers. */
  defaultHead = { name: "main", sha: "d".repeat(40) };
  /** Plain issues (drift issues), with their repo. */
  readonly issues: (IssueInfo & { repo: string })[] = [];
  readonly deployments: {
    id: number;
    repo: string;
    sha: string;
    environment: string;
    description: string;
    statuses: { state: DeploymentState; description: string }[];
  }[] = [];
  token = "ghs_faketoken0123456789";
  /**
   * People's comments as GitHub has them now, by id: a body, or undefined once deleted. A comment
   * not set here is answered without a body (GitHub leaves `body` out for some media types), so
   * the job it started acts on what was typed.
   */
  readonly peoplesComments = new Map<number, string | undefined>();
  private nextId = 100;

  setPullRequest(pr: Partial<PullRequestInfo> = {}): PullRequestInfo {
    const info = fakePullRequest(pr);
    this.pullRequests.set(info.number, info);
    return info;
  }

  /** Bodies of the comments on one PR, in the order they were created (latest text of each). */
  bodiesOn(pr: number): string[] {
    return this.comments.filter((c) => c.pr === pr).map((c) => c.body);
  }

  async pullRequest(_repo: RepoRef, number: number): Promise<PullRequestInfo> {
    const pr = this.pullRequests.get(number);
    if (!pr) throw new Error(`fake vcs: no pull request #${number}`);
    return pr;
  }

  async createComment(repo: RepoRef, pr: number, body: string, opts: { mayExist?: boolean } = {}): Promise<number> {
    const firstLine = body.split("\n", 1)[0];
    const landed = this.comments.find((c) => c.repo === repoFullName(repo) && c.pr === pr && c.body.split("\n", 1)[0] === firstLine);
    if (opts.mayExist && landed) return landed.id;
    const id = this.nextId++;
    this.comments.push({ id, repo: repoFullName(repo), pr, body, history: [body] });
    return id;
  }

  async updateComment(_repo: RepoRef, commentId: number, body: string): Promise<{ updatedAt?: string }> {
    const c = this.comments.find((x) => x.id === commentId);
    if (!c) throw new Error(`fake vcs: no comment ${commentId}`);
    c.body = body;
    c.history.push(body);
    return { updatedAt: this.githubNow() };
  }

  /** How far GitHub's clock runs ahead of this machine's (behind when negative): its stamps' skew. */
  clockSkewMs = 0;

  /** Now on GitHub's clock, as it stamps times: whole seconds. */
  githubNow(): string {
    return new Date(Date.now() + this.clockSkewMs).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  async comment(_repo: RepoRef, commentId: number): Promise<{ body?: string } | undefined> {
    if (!this.peoplesComments.has(commentId)) return {};
    const body = this.peoplesComments.get(commentId);
    return body === undefined ? undefined : { body };
  }

  async ownComment(repo: RepoRef, pr: number, firstLine: string): Promise<{ id: number; body: string } | undefined> {
    return (await this.ownComments(repo, pr)).find((c) => c.body.split("\n", 1)[0] === firstLine);
  }

  async ownComments(repo: RepoRef, pr: number): Promise<{ id: number; body: string }[]> {
    return this.comments.filter((c) => c.repo === repoFullName(repo) && c.pr === pr).map((c) => ({ id: c.id, body: c.body }));
  }

  async react(repo: RepoRef, commentId: number, reaction: "eyes" | "+1" | "-1" | "confused"): Promise<void> {
    this.reactions.push({ repo: repoFullName(repo), commentId, reaction });
  }

  async createCheck(repo: RepoRef, name: string, headSha: string, update: CheckUpdate, externalId?: string): Promise<number> {
    const id = this.nextId++;
    this.checks.push({ id, repo: repoFullName(repo), name, headSha, externalId, updates: [update] });
    return id;
  }

  async updateCheck(_repo: RepoRef, checkRunId: number, update: CheckUpdate): Promise<void> {
    const c = this.checks.find((x) => x.id === checkRunId);
    if (!c) throw new Error(`fake vcs: no check run ${checkRunId}`);
    c.updates.push(update);
  }

  async touchCheck(_repo: RepoRef, checkRunId: number, conclusion: string, completedAt: string): Promise<void> {
    const c = this.checks.find((x) => x.id === checkRunId);
    if (!c) throw new Error(`fake vcs: no check run ${checkRunId}`);
    c.touched = [...(c.touched ?? []), { conclusion, completedAt }];
  }

  async permissionOf(_repo: RepoRef, user: string): Promise<Permission> {
    return this.permissions.get(user.toLowerCase()) ?? "none";
  }

  async teamMember(org: string, teamSlug: string, user: string): Promise<boolean> {
    return (this.teams.get(`${org}/${teamSlug}`) ?? []).some((u) => u.toLowerCase() === user.toLowerCase());
  }

  async userId(login: string): Promise<number | undefined> {
    const key = login.toLowerCase();
    return this.userIds.has(key) ? this.userIds.get(key) : fakeUserId(login);
  }

  async pullRequestsOfCommit(_repo: RepoRef, sha: string): Promise<number[]> {
    return [...this.pullRequests.values()].filter((p) => p.headSha === sha).map((p) => p.number);
  }

  async reviews(_repo: RepoRef, pr: number): Promise<Review[]> {
    return this.reviewsOf.get(pr) ?? [];
  }

  async requiredChecks(_repo: RepoRef, _branch: string): Promise<RequiredCheck[]> {
    return [];
  }

  async mergeBlockers(_repo: RepoRef, pr: number): Promise<MergeBlockers> {
    const headSha = this.pullRequests.get(pr)?.headSha ?? "";
    return this.mergeBlockersOf.get(pr) ?? { reviewDecision: null, headSha, checks: [], more: false };
  }

  async checkRuns(_repo: RepoRef, _sha: string): Promise<CheckRunInfo[]> {
    return this.checkRunsAt;
  }

  async merge(repo: RepoRef, pr: number, method: "merge" | "squash" | "rebase", headSha: string): Promise<void> {
    this.merges.push({ repo: repoFullName(repo), pr, method, headSha });
  }

  async defaultBranch(_repo: RepoRef): Promise<{ name: string; sha: string }> {
    return { ...this.defaultHead };
  }

  /** Commits GitHub shows as verified, as `unverifiedCommits` and `commitVerified` answer. */
  verifiedCommits = new Set<string>();
  /** The PR's commits, as `unverifiedCommits` lists them. */
  prCommits: string[] = [];

  async unverifiedCommits(_repo: RepoRef, _pr: Pick<PullRequestInfo, "baseSha" | "headSha">): Promise<string[]> {
    return this.prCommits.filter((sha) => !this.verifiedCommits.has(sha));
  }

  async commitVerified(_repo: RepoRef, sha: string): Promise<boolean> {
    return this.verifiedCommits.has(sha);
  }

  /** Each commit's author and committer logins, as `commitUsers` answers (none by default). */
  commitLogins = new Map<string, string[]>();

  async commitUsers(_repo: RepoRef, sha: string): Promise<string[]> {
    return this.commitLogins.get(sha) ?? [];
  }

  /** Who moved a branch to a commit, as `branchPushesOf` answers (by `branch@sha`; none by default). */
  branchPushes = new Map<string, BranchPushes>();

  async branchPushesOf(_repo: RepoRef, branch: string, sha: string): Promise<BranchPushes | undefined> {
    return this.branchPushes.get(`${branch}@${sha}`);
  }

  /** Branches GitHub shows as protected, as `branchProtected` answers. */
  protectedBranches = new Set<string>();

  async branchProtected(_repo: RepoRef, branch: string): Promise<boolean> {
    return this.protectedBranches.has(branch);
  }

  async openIssues(repo: RepoRef, label: string): Promise<IssueInfo[]> {
    return this.issues
      .filter((i) => i.repo === repoFullName(repo) && i.state === "open" && i.labels.includes(label))
      .map(({ repo: _r, ...i }) => ({ ...i }));
  }

  async issue(repo: RepoRef, number: number): Promise<IssueInfo> {
    const found = this.issues.find((i) => i.repo === repoFullName(repo) && i.number === number);
    if (!found) throw new Error(`fake vcs: no issue #${number}`);
    const { repo: _r, ...info } = found;
    return { ...info };
  }

  async createIssue(repo: RepoRef, issue: { title: string; body: string; labels: string[] }): Promise<IssueInfo> {
    const number = this.nextId++;
    const info: IssueInfo = {
      number,
      title: issue.title,
      body: issue.body,
      state: "open",
      labels: [...issue.labels],
      htmlUrl: `https://github.example/${repoFullName(repo)}/issues/${number}`,
      author: "sluice[bot]",
      byApp: true,
    };
    this.issues.push({ ...info, repo: repoFullName(repo) });
    return info;
  }

  async updateIssue(
    repo: RepoRef,
    number: number,
    patch: { title?: string; body?: string; state?: "open" | "closed" },
  ): Promise<{ updatedAt?: string }> {
    const found = this.issues.find((i) => i.repo === repoFullName(repo) && i.number === number);
    if (!found) throw new Error(`fake vcs: no issue #${number}`);
    Object.assign(found, patch);
    return { updatedAt: this.githubNow() };
  }

  async createDeployment(repo: RepoRef, d: { sha: string; environment: string; description: string }): Promise<number> {
    const id = this.nextId++;
    this.deployments.push({ id, repo: repoFullName(repo), ...d, statuses: [] });
    return id;
  }

  async setDeploymentStatus(_repo: RepoRef, deploymentId: number, state: DeploymentState, description: string): Promise<void> {
    const d = this.deployments.find((x) => x.id === deploymentId);
    if (!d) throw new Error(`fake vcs: no deployment ${deploymentId}`);
    d.statuses.push({ state, description });
  }

  async cloneToken(): Promise<string> {
    return this.token;
  }
}

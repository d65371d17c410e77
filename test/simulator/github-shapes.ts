import type { components } from "@octokit/openapi-types";
import type { SimState } from "./sim-state.js";
import type { CheckRunState, CommentState, PullState, ReviewState, SimRepo, SimUser } from "./sim-types.js";

type S = components["schemas"];

export interface AppInfo {
  id: number;
  slug: string;
  name: string;
  installationId: number;
  /** `<slug>[bot]`: the account the app acts as with an installation token. */
  botLogin: string;
  owner: string;
}

/** What rendering needs: where the fake GitHub lives and who is who. */
export interface ShapeCtx {
  web: string;
  api: string;
  state: SimState;
  app: AppInfo;
}

/** Facts about a PR that come from git, computed by the caller. */
export interface PullFacts {
  baseSha: string;
  mergeable: boolean | null;
  mergeableState: string;
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
}

export const APP_PERMISSIONS: S["app-permissions"] = {
  checks: "write",
  contents: "read",
  issues: "write",
  metadata: "read",
  pull_requests: "write",
};

export const APP_EVENTS = ["issue_comment", "pull_request", "pull_request_review", "push"];

export function userJson(ctx: ShapeCtx, user: SimUser): S["simple-user"] {
  const u = `${ctx.api}/users/${user.login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: Buffer.from(`04:User${user.id}`).toString("base64"),
    avatar_url: `${ctx.web}/avatars/u/${user.id}?v=4`,
    gravatar_id: "",
    url: u,
    html_url: `${ctx.web}/${user.login}`,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type: user.type,
    user_view_type: "public",
    site_admin: false,
  };
}

export function loginJson(ctx: ShapeCtx, login: string): S["simple-user"] {
  return userJson(ctx, ctx.state.ensureUser(login));
}

export function repositoryJson(ctx: ShapeCtx, repo: SimRepo): S["repository"] {
  const a = `${ctx.api}/repos/${repo.fullName}`;
  const open = [...ctx.state.pulls.values()].filter((p) => p.repo === repo && p.state === "open").length;
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString("base64"),
    name: repo.name,
    full_name: repo.fullName,
    private: true,
    owner: userJson(ctx, ctx.state.ensureUser(repo.owner, "Organization")),
    html_url: repo.htmlUrl,
    description: null,
    fork: false,
    url: a,
    archive_url: `${a}/{archive_format}{/ref}`,
    assignees_url: `${a}/assignees{/user}`,
    blobs_url: `${a}/git/blobs{/sha}`,
    branches_url: `${a}/branches{/branch}`,
    collaborators_url: `${a}/collaborators{/collaborator}`,
    comments_url: `${a}/comments{/number}`,
    commits_url: `${a}/commits{/sha}`,
    compare_url: `${a}/compare/{base}...{head}`,
    contents_url: `${a}/contents/{+path}`,
    contributors_url: `${a}/contributors`,
    deployments_url: `${a}/deployments`,
    downloads_url: `${a}/downloads`,
    events_url: `${a}/events`,
    forks_url: `${a}/forks`,
    git_commits_url: `${a}/git/commits{/sha}`,
    git_refs_url: `${a}/git/refs{/sha}`,
    git_tags_url: `${a}/git/tags{/sha}`,
    git_url: `${repo.cloneUrl.replace(/^https?:/, "git:")}`,
    issue_comment_url: `${a}/issues/comments{/number}`,
    issue_events_url: `${a}/issues/events{/number}`,
    issues_url: `${a}/issues{/number}`,
    keys_url: `${a}/keys{/key_id}`,
    labels_url: `${a}/labels{/name}`,
    languages_url: `${a}/languages`,
    merges_url: `${a}/merges`,
    milestones_url: `${a}/milestones{/number}`,
    notifications_url: `${a}/notifications{?since,all,participating}`,
    pulls_url: `${a}/pulls{/number}`,
    releases_url: `${a}/releases{/id}`,
    ssh_url: `git@${new URL(ctx.web).host}:${repo.fullName}.git`,
    stargazers_url: `${a}/stargazers`,
    statuses_url: `${a}/statuses/{sha}`,
    subscribers_url: `${a}/subscribers`,
    subscription_url: `${a}/subscription`,
    tags_url: `${a}/tags`,
    teams_url: `${a}/teams`,
    trees_url: `${a}/git/trees{/sha}`,
    clone_url: repo.cloneUrl,
    mirror_url: null,
    hooks_url: `${a}/hooks`,
    svn_url: repo.htmlUrl,
    homepage: null,
    language: "HCL",
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues_count: open,
    open_issues: open,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: false,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: "private",
    pushed_at: repo.createdAt,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    permissions: { admin: false, maintain: false, push: false, triage: false, pull: true },
    allow_rebase_merge: false,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    license: null,
  };
}

export function fullRepositoryJson(ctx: ShapeCtx, repo: SimRepo): S["full-repository"] {
  const at = repo.createdAt;
  return {
    ...repositoryJson(ctx, repo),
    has_discussions: false,
    pushed_at: at,
    created_at: at,
    updated_at: at,
    subscribers_count: 0,
    network_count: 0,
    organization: null,
  };
}

export function authorAssociation(ctx: ShapeCtx, repo: SimRepo, login: string): S["author-association"] {
  if (login.toLowerCase() === repo.owner.toLowerCase()) return "OWNER";
  const role = ctx.state.role(repo, login);
  if (role === "admin" || role === "maintain") return "MEMBER";
  return role === "write" || role === "triage" ? "COLLABORATOR" : "NONE";
}

export function pullRequestJson(ctx: ShapeCtx, pr: PullState, facts: PullFacts): S["pull-request"] {
  const repo = pr.repo;
  const a = `${ctx.api}/repos/${repo.fullName}`;
  const self = `${a}/pulls/${pr.number}`;
  const html = `${repo.htmlUrl}/pull/${pr.number}`;
  const repoJson = repositoryJson(ctx, repo);
  const author = loginJson(ctx, pr.author);
  const ownerJson = repoJson.owner;
  return {
    url: self,
    id: pr.id,
    node_id: Buffer.from(`011:PullRequest${pr.id}`).toString("base64"),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${a}/issues/${pr.number}`,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${a}/pulls/comments{/number}`,
    comments_url: `${a}/issues/${pr.number}/comments`,
    statuses_url: `${a}/statuses/${pr.headSha}`,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user: author,
    body: pr.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: { label: `${repo.owner}:${pr.headRef}`, ref: pr.headRef, sha: pr.headSha, user: ownerJson, repo: repoJson },
    base: { label: `${repo.owner}:${pr.baseRef}`, ref: pr.baseRef, sha: facts.baseSha, user: ownerJson, repo: repoJson },
    _links: {
      self: { href: self },
      html: { href: html },
      issue: { href: `${a}/issues/${pr.number}` },
      comments: { href: `${a}/issues/${pr.number}/comments` },
      review_comments: { href: `${self}/comments` },
      review_comment: { href: `${a}/pulls/comments{/number}` },
      commits: { href: `${self}/commits` },
      statuses: { href: `${a}/statuses/${pr.headSha}` },
    },
    author_association: authorAssociation(ctx, repo, pr.author),
    auto_merge: null,
    draft: pr.draft,
    merged: pr.merged,
    mergeable: facts.mergeable,
    rebaseable: facts.mergeable,
    mergeable_state: facts.mergeableState,
    merged_by: pr.mergedBy ? loginJson(ctx, pr.mergedBy) : null,
    comments: ctx.state.commentsOf(repo, pr.number).length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: facts.commits,
    additions: facts.additions,
    deletions: facts.deletions,
    changed_files: facts.changedFiles,
  };
}

export function issueCommentJson(ctx: ShapeCtx, c: CommentState): S["issue-comment"] {
  const a = `${ctx.api}/repos/${c.repo.fullName}`;
  const isApp = c.user === ctx.app.botLogin;
  const counts = { "+1": 0, "-1": 0, laugh: 0, confused: 0, heart: 0, hooray: 0, eyes: 0, rocket: 0 };
  for (const r of ctx.state.reactions) {
    if (r.commentId === c.id && r.content in counts) counts[r.content as keyof typeof counts] += 1;
  }
  const total = Object.values(counts).reduce((x, y) => x + y, 0);
  return {
    id: c.id,
    node_id: Buffer.from(`012:IssueComment${c.id}`).toString("base64"),
    url: `${a}/issues/comments/${c.id}`,
    html_url: `${c.repo.htmlUrl}/pull/${c.issueNumber}#issuecomment-${c.id}`,
    body: c.body,
    user: loginJson(ctx, c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    issue_url: `${a}/issues/${c.issueNumber}`,
    author_association: isApp ? "NONE" : authorAssociation(ctx, c.repo, c.user),
    performed_via_github_app: isApp ? appJson(ctx) : null,
    reactions: { url: `${a}/issues/comments/${c.id}/reactions`, total_count: total, ...counts },
  };
}

export function reviewJson(ctx: ShapeCtx, r: ReviewState): S["pull-request-review"] {
  const html = `${r.repo.htmlUrl}/pull/${r.pullNumber}#pullrequestreview-${r.id}`;
  const pullUrl = `${ctx.api}/repos/${r.repo.fullName}/pulls/${r.pullNumber}`;
  return {
    id: r.id,
    node_id: Buffer.from(`017:PullRequestReview${r.id}`).toString("base64"),
    user: loginJson(ctx, r.user),
    body: r.body,
    state: r.state,
    html_url: html,
    pull_request_url: pullUrl,
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    submitted_at: r.submittedAt,
    commit_id: r.commitId,
    author_association: authorAssociation(ctx, r.repo, r.user),
  };
}

export function checkRunJson(ctx: ShapeCtx, c: CheckRunState): S["check-run"] {
  const url = `${ctx.api}/repos/${c.repo.fullName}/check-runs/${c.id}`;
  const prs = [...ctx.state.pulls.values()].filter((p) => p.repo === c.repo && p.state === "open" && p.headSha === c.head_sha);
  const mini = { id: c.repo.id, url: `${ctx.api}/repos/${c.repo.fullName}`, name: c.repo.name };
  return {
    id: c.id,
    head_sha: c.head_sha,
    node_id: Buffer.from(`08:CheckRun${c.id}`).toString("base64"),
    external_id: c.external_id,
    url,
    html_url: `${c.repo.htmlUrl}/runs/${c.id}`,
    details_url: c.details_url,
    status: c.status,
    // GitHub's schema predates "stale"; it is still a value GitHub sets and returns.
    conclusion: c.conclusion as S["check-run"]["conclusion"],
    started_at: c.started_at,
    completed_at: c.completed_at,
    output: { ...c.output, annotations_count: 0, annotations_url: `${url}/annotations` },
    name: c.name,
    check_suite: { id: 5_000_000 + c.id },
    app: appJson(ctx),
    pull_requests: prs.map((p) => ({
      id: p.id,
      number: p.number,
      url: `${ctx.api}/repos/${c.repo.fullName}/pulls/${p.number}`,
      head: { ref: p.headRef, sha: p.headSha, repo: mini },
      base: { ref: p.baseRef, sha: p.baseSha, repo: mini },
    })),
  };
}

export function appJson(ctx: ShapeCtx): NonNullable<S["integration"]> {
  const at = "2024-01-01T00:00:00Z";
  return {
    id: ctx.app.id,
    slug: ctx.app.slug,
    node_id: Buffer.from(`03:Integration${ctx.app.id}`).toString("base64"),
    client_id: `Iv1.sim${ctx.app.id}`,
    owner: userJson(ctx, ctx.state.ensureUser(ctx.app.owner, "Organization")),
    name: ctx.app.name,
    description: "Simulated GitHub App",
    external_url: ctx.web,
    html_url: `${ctx.web}/apps/${ctx.app.slug}`,
    created_at: at,
    updated_at: at,
    permissions: { ...APP_PERMISSIONS },
    events: [...APP_EVENTS],
    installations_count: 1,
  };
}

export function installationJson(ctx: ShapeCtx): S["installation"] {
  const at = "2024-01-01T00:00:00Z";
  // One installation covers every simulated repo; its account is the org that owns them.
  const firstRepo = ctx.state.repos.values().next().value;
  const account = ctx.state.ensureUser(firstRepo?.owner ?? ctx.app.owner, "Organization");
  return {
    id: ctx.app.installationId,
    account: userJson(ctx, account),
    repository_selection: "all",
    access_tokens_url: `${ctx.api}/app/installations/${ctx.app.installationId}/access_tokens`,
    repositories_url: `${ctx.api}/installation/repositories`,
    html_url: `${ctx.web}/organizations/${account.login}/settings/installations/${ctx.app.installationId}`,
    app_id: ctx.app.id,
    client_id: `Iv1.sim${ctx.app.id}`,
    target_id: account.id,
    target_type: "Organization",
    permissions: { ...APP_PERMISSIONS },
    events: [...APP_EVENTS],
    created_at: at,
    updated_at: at,
    single_file_name: null,
    app_slug: ctx.app.slug,
    suspended_by: null,
    suspended_at: null,
  };
}

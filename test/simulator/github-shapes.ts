import type { components } from "@octokit/openapi-types";
import { appIdOf, appJson } from "./app-json.js";
import { repositoryJson } from "./repository-json.js";
import type { PullFacts, ShapeCtx } from "./shape-ctx.js";
import type { CheckRunState, CommentState, PullState, ReviewState } from "./sim-types.js";
import { authorAssociation, loginJson, userJson } from "./user-json.js";

type S = components["schemas"];

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
    head: headJson(ctx, pr, repoJson),
    // As GitHub: the base branch's tip when the PR was opened, not its tip now (github/docs#431).
    base: { label: `${repo.owner}:${pr.baseRef}`, ref: pr.baseRef, sha: pr.baseSha, user: ownerJson, repo: repoJson },
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

/** The head side of a PR; a fork's head repo is the base repo's JSON with the fork's names. */
function headJson(ctx: ShapeCtx, pr: PullState, repoJson: S["repository"]): S["pull-request"]["head"] {
  const fork = pr.headRepoFullName;
  if (!fork || fork === pr.repo.fullName) {
    return { label: `${pr.repo.owner}:${pr.headRef}`, ref: pr.headRef, sha: pr.headSha, user: repoJson.owner, repo: repoJson };
  }
  const [owner = "", name = ""] = fork.split("/");
  const user = userJson(ctx, ctx.state.ensureUser(owner, "User"));
  const web = `${ctx.web}/${fork}`;
  return {
    label: `${owner}:${pr.headRef}`,
    ref: pr.headRef,
    sha: pr.headSha,
    user,
    repo: {
      ...repoJson,
      id: Number(repoJson.id) + 1_000_000,
      name,
      full_name: fork,
      owner: user,
      fork: true,
      html_url: web,
      clone_url: `${web}.git`,
    },
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
  // As in check events: PRs from forks are not listed.
  const prs = [...ctx.state.pulls.values()].filter(
    (p) =>
      p.repo === c.repo && p.state === "open" && p.headSha === c.head_sha && (p.headRepoFullName ?? c.repo.fullName) === c.repo.fullName,
  );
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
    // Another app's run (a CI system's) names that app.
    app: c.app ? { ...appJson(ctx), id: appIdOf(ctx.app, c.app), slug: c.app, name: c.app } : appJson(ctx),
    pull_requests: prs.map((p) => ({
      id: p.id,
      number: p.number,
      url: `${ctx.api}/repos/${c.repo.fullName}/pulls/${p.number}`,
      head: { ref: p.headRef, sha: p.headSha, repo: mini },
      base: { ref: p.baseRef, sha: p.baseSha, repo: mini },
    })),
  };
}

import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import type { IssueCommentEvent, PullRequestEvent } from "@octokit/webhooks-types";
import { issueCommentJson, pullRequestJson } from "./github-shapes.js";
import { repositoryJson } from "./repository-json.js";
import type { PullFacts, ShapeCtx } from "./shape-ctx.js";
import { authorAssociation, loginJson } from "./user-json.js";
import type { CommentState, PullState, SimRepo } from "./sim-types.js";

export type PullRequestAction = "opened" | "synchronize" | "closed" | "reopened" | "ready_for_review" | "converted_to_draft" | "edited";
export type IssueCommentAction = "created" | "edited" | "deleted";

let definitions: WebhookDefinition[] | null = null;

/** The richest real example for an event/action (4 MB of JSON, so loaded on first use). */
export function example(event: string, action: string): Record<string, unknown> {
  definitions ??= createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookDefinition[];
  const def = definitions.find((d) => d.name === event);
  const candidates = (def?.examples ?? []) as unknown as Record<string, unknown>[];
  const matching = candidates.filter((e) => e.action === action);
  const pool = matching.length ? matching : candidates;
  const best = [...pool].sort((a, b) => Object.keys(b).length - Object.keys(a).length)[0];
  return best ? structuredClone(best) : {};
}

function orgJson(ctx: ShapeCtx, login: string): Record<string, unknown> {
  const user = ctx.state.ensureUser(login, "Organization");
  const u = `${ctx.api}/orgs/${login}`;
  return {
    login,
    id: user.id,
    node_id: Buffer.from(`012:Organization${user.id}`).toString("base64"),
    url: u,
    repos_url: `${u}/repos`,
    events_url: `${u}/events`,
    hooks_url: `${u}/hooks`,
    issues_url: `${u}/issues`,
    members_url: `${u}/members{/member}`,
    public_members_url: `${u}/public_members{/member}`,
    avatar_url: `${ctx.web}/avatars/u/${user.id}?v=4`,
    description: null,
  };
}

export function envelope(ctx: ShapeCtx, repo: SimRepo, sender: string): Record<string, unknown> {
  return {
    repository: repositoryJson(ctx, repo),
    organization: orgJson(ctx, repo.owner),
    installation: {
      id: ctx.app.installationId,
      node_id: Buffer.from(`023:IntegrationInstallation${ctx.app.installationId}`).toString("base64"),
    },
    sender: loginJson(ctx, sender),
  };
}

export function pullRequestPayload(
  ctx: ShapeCtx,
  action: PullRequestAction,
  pr: PullState,
  facts: PullFacts,
  opts: { sender: string; before?: string; after?: string },
): PullRequestEvent {
  const base = example("pull_request", action);
  const examplePr = (base.pull_request ?? {}) as Record<string, unknown>;
  const payload: Record<string, unknown> = {
    ...base,
    action,
    number: pr.number,
    // Keep fields only the example knows (webhook-only extras) but let ours win everywhere else.
    pull_request: { ...examplePr, ...pullRequestJson(ctx, pr, facts) },
    ...envelope(ctx, pr.repo, opts.sender),
  };
  if (action === "synchronize") {
    payload.before = opts.before;
    payload.after = opts.after ?? pr.headSha;
  } else {
    delete payload.before;
    delete payload.after;
  }
  if (action !== "edited") delete payload.changes;
  return payload as unknown as PullRequestEvent;
}

export function issueCommentPayload(
  ctx: ShapeCtx,
  action: IssueCommentAction,
  comment: CommentState,
  pr: PullState,
  opts: { sender: string; previousBody?: string },
): IssueCommentEvent {
  const base = example("issue_comment", action);
  const exampleIssue = (base.issue ?? {}) as Record<string, unknown>;
  const repo = pr.repo;
  const a = `${ctx.api}/repos/${repo.fullName}`;
  const html = `${repo.htmlUrl}/pull/${pr.number}`;
  const issue = {
    ...exampleIssue,
    url: `${a}/issues/${pr.number}`,
    repository_url: a,
    labels_url: `${a}/issues/${pr.number}/labels{/name}`,
    comments_url: `${a}/issues/${pr.number}/comments`,
    events_url: `${a}/issues/${pr.number}/events`,
    html_url: html,
    id: pr.id,
    node_id: Buffer.from(`05:Issue${pr.id}`).toString("base64"),
    number: pr.number,
    title: pr.title,
    user: loginJson(ctx, pr.author),
    labels: [],
    state: pr.state,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: ctx.state.commentsOf(repo, pr.number).length,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    author_association: authorAssociation(ctx, repo, pr.author),
    active_lock_reason: null,
    draft: pr.draft,
    body: pr.body,
    performed_via_github_app: null,
    timeline_url: `${a}/issues/${pr.number}/timeline`,
    reactions: {
      url: `${a}/issues/${pr.number}/reactions`,
      total_count: 0,
      "+1": 0,
      "-1": 0,
      laugh: 0,
      hooray: 0,
      confused: 0,
      heart: 0,
      rocket: 0,
      eyes: 0,
    },
    // This is how apps tell a PR conversation from a plain issue.
    pull_request: {
      url: `${a}/pulls/${pr.number}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      merged_at: pr.mergedAt,
    },
  };
  const payload: Record<string, unknown> = {
    ...base,
    action,
    issue,
    comment: issueCommentJson(ctx, comment),
    ...envelope(ctx, repo, opts.sender),
  };
  if (action === "edited") payload.changes = { body: { from: opts.previousBody ?? "" } };
  else delete payload.changes;
  return payload as unknown as IssueCommentEvent;
}

/**
 * `repository.renamed` (`changes.repository.name.from`) or `repository.transferred`
 * (`changes.owner.from.organization`, or `.user` for a personal account), sent once the
 * repository has its new name, as GitHub sends them.
 */
export function repositoryMovedPayload(
  ctx: ShapeCtx,
  repo: SimRepo,
  from: { owner: string; name: string },
  sender: string,
): Record<string, unknown> {
  const renamed = from.owner.toLowerCase() === repo.owner.toLowerCase();
  const former = ctx.state.ensureUser(from.owner, "Organization");
  const changes = renamed
    ? { repository: { name: { from: from.name } } }
    : { owner: { from: former.type === "User" ? { user: loginJson(ctx, from.owner) } : { organization: orgJson(ctx, from.owner) } } };
  return { action: renamed ? "renamed" : "transferred", changes, ...envelope(ctx, repo, sender) };
}

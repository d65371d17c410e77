import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import type { IssueCommentEvent, IssuesClosedEvent, IssuesReopenedEvent, PushEvent } from "@octokit/webhooks-types";
import { issueCommentJson } from "./github-shapes.js";
import { issueJson } from "./issue-json.js";
import { repositoryJson } from "./repository-json.js";
import type { ShapeCtx } from "./shape-ctx.js";
import { loginJson } from "./user-json.js";
import type { CommentState, IssueState, SimRepo } from "./sim-types.js";
import type { IssueCommentAction } from "./webhook-payloads.js";

let definitions: WebhookDefinition[] | null = null;

function example(event: string, action?: string): Record<string, unknown> {
  definitions ??= createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookDefinition[];
  const candidates = (definitions.find((d) => d.name === event)?.examples ?? []) as unknown as Record<string, unknown>[];
  const matching = action ? candidates.filter((e) => e.action === action) : candidates;
  const best = [...(matching.length ? matching : candidates)].sort((a, b) => Object.keys(b).length - Object.keys(a).length)[0];
  return best ? structuredClone(best) : {};
}

function envelope(ctx: ShapeCtx, repo: SimRepo, sender: string): Record<string, unknown> {
  return {
    repository: repositoryJson(ctx, repo),
    installation: {
      id: ctx.app.installationId,
      node_id: Buffer.from(`023:IntegrationInstallation${ctx.app.installationId}`).toString("base64"),
    },
    sender: loginJson(ctx, sender),
  };
}

/** issue_comment on a plain issue: the issue has no `pull_request` key, as on GitHub. */
export function plainIssueCommentPayload(
  ctx: ShapeCtx,
  action: IssueCommentAction,
  comment: CommentState,
  issue: IssueState,
  opts: { sender: string; previousBody?: string },
): IssueCommentEvent {
  const base = example("issue_comment", action);
  const payload: Record<string, unknown> = {
    ...base,
    action,
    issue: issueJson(ctx, issue),
    comment: issueCommentJson(ctx, comment),
    ...envelope(ctx, issue.repo, opts.sender),
  };
  delete payload.organization;
  if (action === "edited") payload.changes = { body: { from: opts.previousBody ?? "" } };
  else delete payload.changes;
  return payload as unknown as IssueCommentEvent;
}

/** `issues` closed or reopened (on a plain issue: Sluice's drift issues). */
export function issuesPayload(
  ctx: ShapeCtx,
  action: "closed" | "reopened",
  issue: IssueState,
  sender: string,
): IssuesClosedEvent | IssuesReopenedEvent {
  const payload: Record<string, unknown> = {
    ...example("issues", action),
    action,
    issue: issueJson(ctx, issue),
    ...envelope(ctx, issue.repo, sender),
  };
  delete payload.organization;
  delete payload.changes;
  return payload as unknown as IssuesClosedEvent | IssuesReopenedEvent;
}

/** `push` to a branch (one commit range, before → after). */
export function pushPayload(ctx: ShapeCtx, repo: SimRepo, branch: string, before: string, after: string, sender: string): PushEvent {
  const base = example("push");
  const pusher = ctx.state.ensureUser(sender);
  // GitHub's push format of a repository, unlike every other event's: `url` is the web page, the
  // times are Unix seconds, and the owner has a `name` and an `email` beside its login.
  const rest = repositoryJson(ctx, repo);
  const repository = {
    ...rest,
    url: repo.htmlUrl,
    owner: { name: rest.owner.login, email: null, ...rest.owner },
    created_at: Math.floor(Date.parse(rest.created_at ?? "") / 1000) || 0,
    pushed_at: Math.floor(Date.now() / 1000),
    master_branch: repo.defaultBranch,
  };
  const payload: Record<string, unknown> = {
    ...base,
    ref: `refs/heads/${branch}`,
    before,
    after,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `${repo.htmlUrl}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: [],
    head_commit: null,
    pusher: { name: pusher.login, email: `${pusher.login}@users.noreply.example` },
    ...envelope(ctx, repo, sender),
    repository,
  };
  delete payload.organization;
  return payload as unknown as PushEvent;
}

import type { components } from "@octokit/openapi-types";
import type { ShapeCtx } from "./shape-ctx.js";
import { authorAssociation, loginJson } from "./user-json.js";
import type { DeploymentSimState, IssueState } from "./sim-types.js";

type S = components["schemas"];

/** A repo's label as GitHub shows it; ids are stable per name. */
export function labelJson(ctx: ShapeCtx, repoFullName: string, name: string): S["label"] {
  const id = 7_000_000 + [...name].reduce((n, ch) => (n * 31 + (ch.codePointAt(0) ?? 0)) % 1_000_000, 0);
  return {
    id,
    node_id: Buffer.from(`05:Label${id}`).toString("base64"),
    url: `${ctx.api}/repos/${repoFullName}/labels/${encodeURIComponent(name)}`,
    name,
    description: null,
    color: "d93f0b",
    default: false,
  };
}

export function issueJson(ctx: ShapeCtx, issue: IssueState): S["issue"] {
  const a = `${ctx.api}/repos/${issue.repo.fullName}`;
  const n = issue.number;
  return {
    id: issue.id,
    node_id: Buffer.from(`05:Issue${issue.id}`).toString("base64"),
    url: `${a}/issues/${n}`,
    repository_url: a,
    labels_url: `${a}/issues/${n}/labels{/name}`,
    comments_url: `${a}/issues/${n}/comments`,
    events_url: `${a}/issues/${n}/events`,
    html_url: `${issue.repo.htmlUrl}/issues/${n}`,
    number: n,
    state: issue.state,
    state_reason: issue.state === "closed" ? "completed" : null,
    title: issue.title,
    body: issue.body,
    user: loginJson(ctx, issue.author),
    labels: issue.labels.map((l) => labelJson(ctx, issue.repo.fullName, l)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: ctx.state.commentsOf(issue.repo, n).length,
    closed_at: issue.closedAt,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    author_association: authorAssociation(ctx, issue.repo, issue.author),
    timeline_url: `${a}/issues/${n}/timeline`,
    reactions: {
      url: `${a}/issues/${n}/reactions`,
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
  };
}

export function deploymentJson(ctx: ShapeCtx, d: DeploymentSimState): S["deployment"] {
  const a = `${ctx.api}/repos/${d.repo.fullName}`;
  return {
    url: `${a}/deployments/${d.id}`,
    id: d.id,
    node_id: Buffer.from(`010:Deployment${d.id}`).toString("base64"),
    sha: d.sha,
    ref: d.ref,
    task: "deploy",
    payload: {},
    original_environment: d.environment,
    environment: d.environment,
    description: d.description,
    creator: loginJson(ctx, d.creator),
    created_at: d.createdAt,
    updated_at: d.statuses.at(-1)?.createdAt ?? d.createdAt,
    statuses_url: `${a}/deployments/${d.id}/statuses`,
    repository_url: a,
    transient_environment: d.transient,
    production_environment: false,
  };
}

export function deploymentStatusJson(
  ctx: ShapeCtx,
  d: DeploymentSimState,
  s: DeploymentSimState["statuses"][number],
): S["deployment-status"] {
  const a = `${ctx.api}/repos/${d.repo.fullName}`;
  return {
    url: `${a}/deployments/${d.id}/statuses/${s.id}`,
    id: s.id,
    node_id: Buffer.from(`016:DeploymentStatus${s.id}`).toString("base64"),
    state: s.state as S["deployment-status"]["state"],
    creator: loginJson(ctx, ctx.app.botLogin),
    description: s.description,
    environment: d.environment,
    target_url: "",
    created_at: s.createdAt,
    updated_at: s.createdAt,
    deployment_url: `${a}/deployments/${d.id}`,
    repository_url: a,
    environment_url: s.environmentUrl,
    log_url: "",
  };
}

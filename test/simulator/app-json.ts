import type { components } from "@octokit/openapi-types";
import type { ShapeCtx } from "./shape-ctx.js";
import { userJson } from "./user-json.js";

type S = components["schemas"];

export const APP_EVENTS = ["issue_comment", "issues", "pull_request", "pull_request_review", "push"];

/**
 * An app's id as the simulator shows it (a check run's `app.id`, GraphQL's `databaseId`, branch
 * protection's `app_id`): its own, or one derived from another app's slug, alike everywhere, so
 * that two other apps (GitHub Actions, Jenkins) are told apart.
 */
export function appIdOf(app: { id: number; slug: string }, slug: string | undefined): number {
  if (slug === undefined || slug === app.slug) return app.id;
  return app.id + 1 + ([...slug].reduce((n, c) => n * 31 + (c.codePointAt(0) ?? 0), 0) % 100_000);
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
    permissions: { ...ctx.app.permissions } as S["app-permissions"],
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
    permissions: { ...ctx.app.permissions } as S["app-permissions"],
    events: [...APP_EVENTS],
    created_at: at,
    updated_at: at,
    single_file_name: null,
    app_slug: ctx.app.slug,
    suspended_by: null,
    suspended_at: null,
  };
}

/** Another account's installation, suspended by its owner: GitHub still lists it, with `suspended_at`. */
export function suspendedInstallationJson(ctx: ShapeCtx, id: number, login: string): S["installation"] {
  const account = ctx.state.ensureUser(login, "Organization");
  const at = "2024-06-01T00:00:00Z";
  return {
    ...installationJson(ctx),
    id,
    account: userJson(ctx, account),
    access_tokens_url: `${ctx.api}/app/installations/${id}/access_tokens`,
    html_url: `${ctx.web}/organizations/${login}/settings/installations/${id}`,
    target_id: account.id,
    suspended_by: userJson(ctx, ctx.state.ensureUser(`${login}-admin`, "User")),
    suspended_at: at,
  };
}

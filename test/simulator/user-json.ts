import type { components } from "@octokit/openapi-types";
import type { ShapeCtx } from "./shape-ctx.js";
import type { SimRepo, SimUser } from "./sim-types.js";

type S = components["schemas"];

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

export function authorAssociation(ctx: ShapeCtx, repo: SimRepo, login: string): S["author-association"] {
  if (login.toLowerCase() === repo.owner.toLowerCase()) return "OWNER";
  const role = ctx.state.role(repo, login);
  if (role === "admin" || role === "maintain") return "MEMBER";
  return role === "write" || role === "triage" ? "COLLABORATOR" : "NONE";
}

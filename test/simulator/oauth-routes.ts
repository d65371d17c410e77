import { randomBytes } from "node:crypto";
import type { components } from "@octokit/openapi-types";
import { installationJson } from "./app-json.js";
import { repositoryJson } from "./repository-json.js";
import { badCredentials, notFound, ok, paginate, type RestReply, stringField } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";
import type { Role } from "./sim-types.js";
import { userJson } from "./user-json.js";

type S = components["schemas"];

/** The App's OAuth client, as GitHub shows it on the App's settings page. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

const USER_TOKEN_TTL_MS = 8 * 3600_000;

/** What GitHub tells a user about a repo: the permission flags of their role. */
function permissionsOf(role: Role): NonNullable<S["repository"]["permissions"]> {
  const rank = ["none", "read", "triage", "write", "maintain", "admin"].indexOf(role);
  return { pull: rank >= 1, triage: rank >= 2, push: rank >= 3, maintain: rank >= 4, admin: rank >= 5 };
}

function html(body: string, status = 200): RestReply {
  return {
    status,
    raw: Buffer.from(`<!doctype html><meta charset="utf-8"><title>Sign in to GitHub (simulator)</title>${body}`),
    headers: { "content-type": "text/html; charset=utf-8" },
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * GitHub's OAuth web flow for the App's own client (the user-to-server tokens of a GitHub App):
 * `/login/oauth/authorize` (a form asking who signs in, then a redirect back with a code),
 * `POST /login/oauth/access_token`, and the user endpoints the token opens: `GET /user`,
 * `GET /user/installations`, `GET /user/installations/{id}/repositories` (with the user's
 * permission on each repo).
 */
export function registerOAuthRoutes(web: RestRouter, api: RestRouter, core: SimCore, client: OAuthClient): void {
  const { ctx, state } = core;
  const codes = new Map<string, { login: string; redirectUri: string }>();

  web.add("GET", "/login/oauth/authorize", "none", (req) => {
    const q = req.query;
    if (q.get("client_id") !== client.clientId) return html("<p>The application you were trying to sign in to was not found.</p>", 404);
    const redirectUri = q.get("redirect_uri") ?? "";
    const login = q.get("login")?.trim();
    if (!login) {
      // The page a person sees: who are you? (a test's browser fills it in).
      const hidden = [...q.entries()].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join("");
      return html(
        `<h1>Sign in to continue to ${escapeHtml(ctx.app.name)}</h1><form method="get" action="/login/oauth/authorize">${hidden}<label>Username <input name="login" id="login_field" autofocus></label> <button type="submit" name="commit" value="Authorize">Authorize</button></form>`,
      );
    }
    state.ensureUser(login);
    const code = randomBytes(10).toString("hex");
    codes.set(code, { login, redirectUri });
    const back = new URL(redirectUri);
    back.searchParams.set("code", code);
    const st = q.get("state");
    if (st !== null) back.searchParams.set("state", st);
    return { status: 302, headers: { location: back.toString() }, raw: Buffer.alloc(0) };
  });

  web.add("POST", "/login/oauth/access_token", "none", (req) => {
    if (stringField(req.body, "client_id") !== client.clientId || stringField(req.body, "client_secret") !== client.clientSecret) {
      return ok({
        error: "incorrect_client_credentials",
        error_description: "The client_id and/or client_secret passed are incorrect.",
        error_uri: "https://docs.github.com/apps",
      });
    }
    const code = stringField(req.body, "code") ?? "";
    const grant = codes.get(code);
    codes.delete(code);
    const redirectUri = stringField(req.body, "redirect_uri");
    if (!grant || (redirectUri !== undefined && redirectUri !== grant.redirectUri)) {
      return ok({
        error: "bad_verification_code",
        error_description: "The code passed is incorrect or expired.",
        error_uri: "https://docs.github.com/apps",
      });
    }
    const token = `ghu_${randomBytes(18).toString("base64url").replace(/[-_]/g, "x")}`;
    state.userTokens.set(token, { login: grant.login, expiresAt: Date.now() + USER_TOKEN_TTL_MS });
    return ok({
      access_token: token,
      token_type: "bearer",
      scope: "",
      expires_in: USER_TOKEN_TTL_MS / 1000,
      refresh_token: `ghr_${randomBytes(30).toString("hex")}`,
      refresh_token_expires_in: 15_811_200,
    });
  });

  const userOf = (login: string | undefined) => {
    const user = login ? state.user(login) : undefined;
    if (!user) throw badCredentials();
    return user;
  };

  /** `GET /user` and `GET /users/{username}` answer the same public profile. */
  const publicUser = (user: NonNullable<ReturnType<typeof state.user>>): S["public-user"] => ({
    ...userJson(ctx, user),
    name: user.login,
    company: null,
    blog: "",
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: "2020-01-01T00:00:00Z",
    updated_at: "2020-01-01T00:00:00Z",
  });

  api.add("GET", "/user", "user", (req) => ok(publicUser(userOf(req.user))));

  // Public: GitHub answers it to an installation token, a user token or no token at all. A login no
  // account has now (renamed away, never registered) is 404.
  api.add("GET", "/users/{username}", "none", (req) => {
    const user = state.user(req.params.username ?? "");
    if (!user) throw notFound();
    return ok(publicUser(user));
  });

  /** Repos of the installation this user can access: those where they have a role. */
  const reposOf = (login: string) =>
    [...state.repos.values()].filter((r) => state.role(r, login) !== "none" || r.owner.toLowerCase() === login.toLowerCase());

  api.add("GET", "/user/installations", "user", (req) => {
    const user = userOf(req.user);
    const installations = reposOf(user.login).length ? [installationJson(ctx)] : [];
    return ok({ total_count: installations.length, installations });
  });

  // Public, as `GET /users/{username}`: the account with this id under its login of now
  // (users/get-by-id). After /user/installations: the first route that matches answers.
  api.add("GET", "/user/{account_id}", "none", (req) => {
    const id = Number(req.params.account_id);
    const user = [...state.users.values()].find((u) => u.id === id);
    if (!user) throw notFound();
    return ok(publicUser(user));
  });

  api.add("GET", "/user/installations/{installation_id}/repositories", "user", (req) => {
    const user = userOf(req.user);
    if (Number(req.params.installation_id) !== ctx.app.installationId) throw notFound();
    const repos = reposOf(user.login).map((r) => ({
      ...repositoryJson(ctx, r),
      permissions: permissionsOf(r.owner.toLowerCase() === user.login.toLowerCase() ? "admin" : state.role(r, user.login)),
    }));
    const { page, headers } = paginate(req, repos, `${ctx.api}/user/installations/${ctx.app.installationId}/repositories`);
    return ok({ total_count: repos.length, repository_selection: "all", repositories: page }, 200, headers);
  });
}

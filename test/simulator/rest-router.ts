import type { RestReply, RestRequest } from "./rest-reply.js";

/** jwt: the App; token: an installation token; user: a user token (OAuth); none: web pages. */
export type RouteAuth = "jwt" | "token" | "user" | "none";
export type RouteHandler = (req: RestRequest) => Promise<RestReply> | RestReply;

interface Route {
  template: string;
  method: string;
  regex: RegExp;
  names: string[];
  auth: RouteAuth;
  handler: RouteHandler;
}

export interface RouteMatch {
  /** The route as registered: `GET /repos/{owner}/{repo}`. */
  route: string;
  auth: RouteAuth;
  handler: RouteHandler;
  params: Record<string, string>;
}

/** `/repos/{owner}/{repo}/pulls/{pull_number}` style templates, as in GitHub's docs. `{+path}` spans slashes. */
export class RestRouter {
  private readonly routes: Route[] = [];

  add(method: string, template: string, auth: RouteAuth, handler: RouteHandler): this {
    const names: string[] = [];
    const source = template.replace(/[.*?^$()|[\]\\]/g, "\\$&").replace(/\{(\+?)(\w+)\}/g, (_, plus: string, name: string) => {
      names.push(name);
      return plus ? "(.*)" : "([^/]+)";
    });
    this.routes.push({ template, method, regex: new RegExp(`^${source}/?$`), names, auth, handler });
    return this;
  }

  match(method: string, path: string): RouteMatch | null {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] ?? "");
      });
      return { route: `${r.method} ${r.template}`, auth: r.auth, handler: r.handler, params };
    }
    return null;
  }
}

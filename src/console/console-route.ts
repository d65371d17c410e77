import type { IncomingMessage, ServerResponse } from "node:http";
import type { backchannelLogout } from "./backchannel-logout.js";
import { driftPause, pause, unlock, unlockConfirm } from "./action-routes.js";
import { isConsoleAsset } from "./console-assets.js";
import type { ConsoleContext, Viewer } from "./console-context.js";
import { deliveriesPage, redeliver } from "./delivery-routes.js";
import { audit, jobEvents, jobPage, locksPage, overview } from "./page-routes.js";
import { destroyPreview, previewsPage } from "./preview-routes.js";
import { settingsPage } from "./settings-page.js";
import { callback, login, logout } from "./sign-in-routes.js";
import { loginChoice, ssoCallback, ssoLogin } from "./sso-routes.js";
import { issueTokenForm, revokeTokenForm, tokensPage } from "./token-pages.js";

/** What answers a request: run it; `undefined`, the path is the console's but not the method (405); `null`, not the console's. */
export type ConsoleRoute = (() => Promise<void> | void) | undefined | null;

/** One request as the routes see it, with the console's parts that are not in its context. */
export interface ConsoleRequest {
  ctx: ConsoleContext;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  metrics(): Promise<void>;
  asset(path: string): void;
  /** A provider's back-channel logout (src/console/backchannel-logout.ts). */
  backchannelLogout: ReturnType<typeof backchannelLogout>;
  /** Aborted when the console stops: ends the live event streams. */
  stopping: AbortSignal;
}

/** The route of a request: the open ones (metrics, assets, sign-in) first, then the signed-in pages. */
export function consoleRoute(r: ConsoleRequest): ConsoleRoute {
  const path = r.url.pathname;
  const get = r.method === "GET" || r.method === "HEAD";
  if (path === "/metrics") return get ? () => r.metrics() : undefined;
  if (isConsoleAsset(path)) return get ? () => r.asset(path) : undefined;
  const logout = /^\/login\/sso\/([a-z0-9][a-z0-9_-]{0,39})\/backchannel-logout$/.exec(path);
  if (logout) return r.method === "POST" ? () => r.backchannelLogout(r.ctx, r.req, r.res, logout[1] as string) : undefined;
  const signIn = signInRoute(r, path);
  return signIn !== null ? (get ? signIn : undefined) : pageRoute(r, path, get);
}

/** The sign-in pages, GET only: GitHub's, each SSO provider's, and the choice between them. */
function signInRoute({ ctx, req, res, url }: ConsoleRequest, path: string): ConsoleRoute {
  if (path === "/login") return () => loginChoice(ctx, res, url, () => login(ctx, req, res, url));
  if (path === "/login/github") return () => login(ctx, req, res, url);
  const sso = /^\/login\/sso\/([a-z0-9][a-z0-9_-]{0,39})(\/callback)?$/.exec(path);
  if (sso) {
    const name = sso[1] as string;
    return sso[2] ? () => ssoCallback(ctx, req, res, url, name) : () => ssoLogin(ctx, req, res, url, name);
  }
  if (path === "/login/callback") return () => callback(ctx, req, res, url);
  return null;
}

/** The pages and actions of a signed-in viewer (`api`: a JSON refusal rather than the sign-in page). */
function pageRoute(r: ConsoleRequest, path: string, get: boolean): ConsoleRoute {
  const { ctx, req, res, url, method } = r;
  const post = method === "POST";
  const page =
    (fn: (v: Viewer) => Promise<void>, kind: "page" | "api" = "page") =>
    async () => {
      const v = await ctx.viewerOf(req, res, url, kind);
      if (v) await fn(v);
    };
  const either = (onGet: () => Promise<void>, onPost: () => Promise<void>) => (get ? onGet : post ? onPost : undefined);
  if (path === "/") return get ? page((v) => overview(ctx, res, url, v)) : undefined;
  if (path === "/locks") return get ? page((v) => locksPage(ctx, res, url, v)) : undefined;
  if (path === "/locks/unlock")
    return either(
      page((v) => unlockConfirm(ctx, res, url, v)),
      page((v) => unlock(ctx, req, res, v), "api"),
    );
  if (path === "/previews") return get ? page((v) => previewsPage(ctx, res, url, v)) : undefined;
  if (path === "/previews/destroy") return post ? page((v) => destroyPreview(ctx, req, res, v), "api") : undefined;
  if (path === "/drift/pause") return post ? page((v) => driftPause(ctx, req, res, v), "api") : undefined;
  if (path === "/pause") return post ? page((v) => pause(ctx, req, res, v), "api") : undefined;
  if (path === "/logout") return post ? () => logout(ctx, req, res) : undefined;
  if (path === "/tokens")
    return either(
      page((v) => tokensPage(ctx, res, url, v)),
      page((v) => issueTokenForm(ctx, req, res, v), "api"),
    );
  if (path === "/tokens/revoke") return post ? page((v) => revokeTokenForm(ctx, req, res, v), "api") : undefined;
  if (path === "/settings") return get ? page((v) => settingsPage(ctx, res, url, v)) : undefined;
  if (path === "/audit") return get ? page((v) => audit(ctx, res, url, v, "html")) : undefined;
  if (path === "/audit.csv") return get ? page((v) => audit(ctx, res, url, v, "csv"), "api") : undefined;
  if (path === "/audit.json") return get ? page((v) => audit(ctx, res, url, v, "json"), "api") : undefined;
  if (path === "/audit/deliveries") return get ? page((v) => deliveriesPage(ctx, res, url, v, "html")) : undefined;
  if (path === "/audit/deliveries.json") return get ? page((v) => deliveriesPage(ctx, res, url, v, "json"), "api") : undefined;
  if (path === "/audit/deliveries/redeliver") return post ? page((v) => redeliver(ctx, req, res, v), "api") : undefined;
  const job = /^\/jobs\/(\d{1,12})(\/events)?$/.exec(path);
  if (!job) return null;
  const id = Number(job[1]);
  // The event stream is GET only: a HEAD would hold the connection until the job ends.
  if (job[2]) return method === "GET" ? page((v) => jobEvents(ctx, r.stopping, req, res, url, v, id), "api") : undefined;
  return get ? page((v) => jobPage(ctx, res, v, id)) : undefined;
}

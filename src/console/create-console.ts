import { timingSafeEqual } from "node:crypto";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { driftPause, pause, unlock, unlockConfirm } from "./action-routes.js";
import { destroyPreview, previewsPage } from "./preview-routes.js";
import { type ConsoleDeps, createConsoleContext, type Viewer } from "./console-context.js";
import { SECURITY_HEADERS, sendJson } from "./http-replies.js";
import { deliveriesPage, redeliver } from "./delivery-routes.js";
import { audit, jobEvents, jobPage, locksPage, overview } from "./page-routes.js";
import { callback, login, logout } from "./sign-in-routes.js";
import { loginChoice, ssoCallback, ssoLogin } from "./sso-routes.js";
import { settingsPage } from "./settings-page.js";
import { issueTokenForm, revokeTokenForm, tokensPage } from "./token-pages.js";
import { errorMessage } from "../util/errors.js";

export type { ConsoleDeps } from "./console-context.js";

const require = createRequire(import.meta.url);
const ASSETS: Record<string, { file: string; type: string }> = {
  "/assets/console.css": { file: join(import.meta.dirname, "assets", "console.css"), type: "text/css; charset=utf-8" },
  "/assets/job.js": { file: join(import.meta.dirname, "assets", "job.js"), type: "text/javascript; charset=utf-8" },
  "/assets/ansi_up.js": { file: require.resolve("ansi_up"), type: "text/javascript; charset=utf-8" },
};

/**
 * The operations console on the app's own port: GitHub sign-in, overview, job pages with live
 * logs, locks, the pause switch, audit, metrics. It reads the store and acts only by enqueuing
 * jobs (an unlock is the same job `/unlock` runs) or setting store flags.
 */
export function createConsole(deps: ConsoleDeps) {
  const ctx = createConsoleContext(deps);
  const { store } = deps;
  const assetCache = new Map<string, Buffer>();
  const stopping = new AbortController();

  const prune = () =>
    store
      .pruneJobLogs(new Date(Date.now() - deps.config.log_retention).toISOString())
      .then((n) => n && deps.log.info({ jobs: n }, "job logs past their retention removed"))
      .catch((e: unknown) => deps.log.warn({ err: errorMessage(e) }, "could not prune job logs"));
  void prune();
  const pruneTimer = setInterval(prune, 3600_000);
  pruneTimer.unref();

  async function metrics(req: IncomingMessage, res: ServerResponse) {
    const want = deps.env.metricsToken;
    if (want) {
      const given = Buffer.from(String(req.headers.authorization ?? ""));
      const expected = Buffer.from(`Bearer ${want}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res
          .writeHead(401, { "www-authenticate": 'Bearer realm="sluice metrics"', "content-type": "text/plain" })
          .end("bearer token required\n");
        return;
      }
    }
    const body = await deps.metrics.registry.metrics();
    res.writeHead(200, { "content-type": deps.metrics.registry.contentType, "cache-control": "no-store" }).end(body);
  }

  function asset(res: ServerResponse, path: string) {
    const a = ASSETS[path] as { file: string; type: string };
    let body = assetCache.get(path);
    if (!body) {
      body = readFileSync(a.file);
      assetCache.set(path, body);
    }
    res.writeHead(200, { ...SECURITY_HEADERS, "content-type": a.type, "cache-control": "public, max-age=300" }).end(body);
  }

  /** Answers the request if it is the console's; false lets the app answer (e.g. 404). */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://console.invalid");
    } catch {
      // Node's HTTP parser lets through targets the URL parser refuses (`GET http://[`): anyone
      // can send one, so it is a 400, never a throw (unhandled, it would end the process).
      sendJson(res, 400, { error: "the request target is not a valid URL" });
      return true;
    }
    const path = url.pathname;
    const method = req.method ?? "GET";
    const get = method === "GET" || method === "HEAD";
    const route = (() => {
      if (path === "/metrics") return get ? () => metrics(req, res) : undefined;
      if (path in ASSETS) return get ? () => asset(res, path) : undefined;
      if (path === "/login") return get ? () => loginChoice(ctx, res, url, () => login(ctx, req, res, url)) : undefined;
      if (path === "/login/github") return get ? () => login(ctx, req, res, url) : undefined;
      const sso = /^\/login\/sso\/([a-z0-9][a-z0-9_-]{0,39})(\/callback)?$/.exec(path);
      if (sso) {
        const name = sso[1] as string;
        if (!get) return undefined;
        return sso[2] ? () => ssoCallback(ctx, req, res, url, name) : () => ssoLogin(ctx, req, res, url, name);
      }
      if (path === "/login/callback") return get ? () => callback(ctx, req, res, url) : undefined;
      const page =
        (fn: (v: Viewer) => Promise<void>, kind: "page" | "api" = "page") =>
        async () => {
          const v = await ctx.viewerOf(req, res, url, kind);
          if (v) await fn(v);
        };
      if (path === "/") return get ? page((v) => overview(ctx, res, url, v)) : undefined;
      if (path === "/locks") return get ? page((v) => locksPage(ctx, res, url, v)) : undefined;
      if (path === "/locks/unlock")
        return get
          ? page((v) => unlockConfirm(ctx, res, url, v))
          : method === "POST"
            ? page((v) => unlock(ctx, req, res, v), "api")
            : undefined;
      if (path === "/previews") return get ? page((v) => previewsPage(ctx, res, url, v)) : undefined;
      if (path === "/previews/destroy") return method === "POST" ? page((v) => destroyPreview(ctx, req, res, v), "api") : undefined;
      if (path === "/drift/pause") return method === "POST" ? page((v) => driftPause(ctx, req, res, v), "api") : undefined;
      if (path === "/pause") return method === "POST" ? page((v) => pause(ctx, req, res, v), "api") : undefined;
      if (path === "/logout") return method === "POST" ? () => logout(ctx, req, res) : undefined;
      if (path === "/tokens")
        return get
          ? page((v) => tokensPage(ctx, res, url, v))
          : method === "POST"
            ? page((v) => issueTokenForm(ctx, req, res, v), "api")
            : undefined;
      if (path === "/tokens/revoke") return method === "POST" ? page((v) => revokeTokenForm(ctx, req, res, v), "api") : undefined;
      if (path === "/settings") return get ? page((v) => settingsPage(ctx, res, url, v)) : undefined;
      if (path === "/audit") return get ? page((v) => audit(ctx, res, url, v, "html")) : undefined;
      if (path === "/audit.csv") return get ? page((v) => audit(ctx, res, url, v, "csv"), "api") : undefined;
      if (path === "/audit.json") return get ? page((v) => audit(ctx, res, url, v, "json"), "api") : undefined;
      if (path === "/audit/deliveries") return get ? page((v) => deliveriesPage(ctx, res, url, v, "html")) : undefined;
      if (path === "/audit/deliveries.json") return get ? page((v) => deliveriesPage(ctx, res, url, v, "json"), "api") : undefined;
      if (path === "/audit/deliveries/redeliver") return method === "POST" ? page((v) => redeliver(ctx, req, res, v), "api") : undefined;
      const job = /^\/jobs\/(\d{1,12})(\/events)?$/.exec(path);
      if (job) {
        const id = Number(job[1]);
        // The event stream is GET only: a HEAD would hold the connection until the job ends.
        if (job[2] ? method !== "GET" : !get) return undefined;
        return job[2] ? page((v) => jobEvents(ctx, stopping.signal, req, res, url, v, id), "api") : page((v) => jobPage(ctx, res, v, id));
      }
      return null;
    })();
    if (route === null) return false;
    if (route === undefined) {
      sendJson(res, 405, { error: `${method} is not allowed on ${path}` });
      return true;
    }
    try {
      await route();
    } catch (e) {
      deps.log.error({ err: errorMessage(e), path }, "console request failed");
      // Never a stack trace: a short message, the details are in the server log.
      if (!res.headersSent) sendJson(res, 500, { error: "the console could not answer this request; the server log has the details" });
      else res.end();
    }
    return true;
  }

  return {
    handle,
    stop() {
      clearInterval(pruneTimer);
      stopping.abort();
    },
  };
}

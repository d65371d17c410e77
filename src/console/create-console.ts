import type { IncomingMessage, ServerResponse } from "node:http";
import { backchannelLogout } from "./backchannel-logout.js";
import { createConsoleAssets } from "./console-assets.js";
import { type ConsoleDeps, createConsoleContext } from "./console-context.js";
import { consoleRoute } from "./console-route.js";
import { sendJson } from "./http-replies.js";
import { metricsEndpoint } from "./metrics-endpoint.js";
import { errorMessage } from "../util/errors.js";

export type { ConsoleDeps } from "./console-context.js";

/**
 * The operations console on the app's own port: GitHub sign-in, overview, job pages with live
 * logs, locks, the pause switch, audit, metrics. It reads the store and acts only by enqueuing
 * jobs (an unlock is the same job `/unlock` runs) or setting store flags.
 */
export function createConsole(deps: ConsoleDeps) {
  const ctx = createConsoleContext(deps);
  const asset = createConsoleAssets();
  const stopping = new AbortController();
  const stopPruning = pruneJobLogsHourly(deps);
  const logoutRoute = backchannelLogout();

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
    const route = consoleRoute({
      ctx,
      req,
      res,
      url,
      method,
      metrics: () => metricsEndpoint(deps, req, res),
      asset: (p) => asset(res, p),
      backchannelLogout: logoutRoute,
      stopping: stopping.signal,
    });
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
      stopPruning();
      stopping.abort();
    },
  };
}

/** Removes job logs past `log_retention` now and every hour; returns what stops it. */
function pruneJobLogsHourly(deps: Pick<ConsoleDeps, "store" | "config" | "log">): () => void {
  const prune = () =>
    deps.store
      .pruneJobLogs(new Date(Date.now() - deps.config.log_retention).toISOString())
      .then((n) => n && deps.log.info({ jobs: n }, "job logs past their retention removed"))
      .catch((e: unknown) => deps.log.warn({ err: errorMessage(e) }, "could not prune job logs"));
  void prune();
  const timer = setInterval(prune, 3600_000);
  timer.unref();
  return () => clearInterval(timer);
}

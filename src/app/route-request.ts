import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { type ReadinessCheck, readiness } from "./readiness.js";
import { errorMessage } from "../util/errors.js";
import { WEBHOOK_PATH } from "./webhook-address.js";

/** The app's one port: webhooks, /healthz, /readyz, the OIDC issuer's documents, and the console for everything else. */
export function routeRequest(deps: {
  endpoint: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  readinessChecks: readonly ReadinessCheck[];
  console: { handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> };
  /** The API under /api/v1/ (it answers 404 itself while off). */
  api?: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;
  /** The OIDC issuer's discovery and key set; absent without SLUICE_PUBLIC_URL. */
  oidcDocs?: (path: string, res: ServerResponse) => boolean;
  log: Logger;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const { endpoint, readinessChecks, log } = deps;
  return (req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    if (deps.oidcDocs?.(path, res)) return;
    if (path === WEBHOOK_PATH) {
      void endpoint(req, res).catch((e) => {
        log.error({ err: errorMessage(e) }, "webhook endpoint fault");
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
      return;
    }
    if (path === "/readyz") {
      void readiness(readinessChecks).then((report) =>
        res.writeHead(report.ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(report)),
      );
      return;
    }
    if (deps.api && path.startsWith("/api/v1")) {
      void deps.api(req, res, path).then(
        (handled) => {
          if (!handled) res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
        },
        (e: unknown) => {
          log.error({ err: errorMessage(e) }, "API fault");
          if (!res.headersSent) res.writeHead(500).end();
        },
      );
      return;
    }
    void deps.console.handle(req, res).then(
      (handled) => {
        if (!handled) res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
      },
      // A fault the console did not answer itself: a 500 for this request, never an unhandled rejection that ends the process.
      (e: unknown) => {
        log.error({ err: errorMessage(e) }, "console fault");
        if (!res.headersSent) res.writeHead(500).end();
      },
    );
  };
}

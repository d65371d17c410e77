import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { sendJson } from "../console/http-replies.js";
import type { SsoProvider } from "../sso/sso-provider.js";
import type { TokenScope } from "../store/api-token-store.js";
import { errorMessage } from "../util/errors.js";
import { createApiAuth } from "./api-auth.js";
import type { ApiDeps, ApiRoute } from "./api-route.js";
import { openApiDocument } from "./openapi.js";
import { operationRoutes } from "./operation-routes.js";
import { readRoutes } from "./read-routes.js";
import { tokenRoutes } from "./token-routes.js";

export const API_ROUTES: readonly ApiRoute[] = [...readRoutes, ...operationRoutes, ...tokenRoutes];
const PREFIX = "/api/v1/";
const MAX_BODY = 64 * 1024;

const compiled = API_ROUTES.map((r) => ({
  r,
  re: new RegExp(`^${r.path.replace(/[.]/g, "\\.").replace(/\{(\w+)\}/g, "(?<$1>[^/]+)")}$`),
}));

/** Issues of a failed parse as one line: `body.reason: Required; query.limit: …`. */
const describe = (where: string, e: z.ZodError) =>
  e.issues.map((i) => `${[where, ...i.path.map(String)].join(".")}: ${i.message}`).join("; ");

type Read = { ok: true; value: unknown } | { ok: false; fault: string };

async function readJson(req: IncomingMessage): Promise<Read> {
  const type = String(req.headers["content-type"] ?? "")
    .split(";", 1)[0]
    ?.trim()
    .toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) return { ok: false, fault: "the body is larger than 64 KB" };
    chunks.push(c as Buffer);
  }
  if (size === 0) return { ok: true, value: {} };
  if (type !== "application/json") return { ok: false, fault: "send the body as application/json" };
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    return { ok: false, fault: "the body is not valid JSON" };
  }
}

/**
 * The API under /api/v1/: off unless server config `api.enabled` (then none of it answers but
 * 404, as any unknown path). Bearer tokens only (no cookies: nothing a browser sends by itself),
 * JSON in and out, errors as `{error}`; a route's scope is checked before it runs, its repository
 * rules inside the same functions the console uses.
 */
export function createApi(deps: ApiDeps & { sso: ReadonlyMap<string, SsoProvider>; enabled: boolean }) {
  const authenticate = createApiAuth({ store: deps.store, sso: deps.sso });
  const doc = JSON.stringify(openApiDocument(API_ROUTES));

  return async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (!path.startsWith(PREFIX) && path !== "/api/v1") return false;
    if (!deps.enabled) {
      sendJson(res, 404, { error: "not found" });
      return true;
    }
    const method = req.method ?? "GET";
    if (path === "/api/v1/openapi.json" && (method === "GET" || method === "HEAD")) {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }).end(doc);
      return true;
    }
    const candidates = compiled.map((c) => ({ ...c, m: c.re.exec(path) })).filter((c) => c.m);
    const hit = candidates.find((c) => c.r.method === method);
    if (!hit) {
      if (candidates.length) sendJson(res, 405, { error: `${method} is not allowed on ${path}` });
      else sendJson(res, 404, { error: `no API route ${path}` });
      return true;
    }
    try {
      const auth = await authenticate(req.headers.authorization, firstHeader(req.headers["x-sluice-provider"]));
      if (!auth.ok) {
        res.setHeader("www-authenticate", 'Bearer realm="sluice"');
        sendJson(res, 401, { error: auth.error });
        return true;
      }
      const need: TokenScope = hit.r.scope;
      if (!auth.caller.scopes.has(need)) {
        sendJson(res, 403, { error: `this needs the ${need} scope; the token has ${[...auth.caller.scopes].join(", ") || "none"}` });
        return true;
      }
      const url = new URL(req.url ?? "/", "http://api.invalid");
      const params = hit.r.params.safeParse(hit.m?.groups ?? {});
      const query = hit.r.query.safeParse(Object.fromEntries(url.searchParams));
      const raw: Read = hit.r.body ? await readJson(req) : { ok: true, value: {} };
      if (!raw.ok) {
        sendJson(res, 400, { error: raw.fault });
        return true;
      }
      const body = hit.r.body ? hit.r.body.safeParse(raw.value) : { success: true as const, data: {} };
      const bad = [
        params.success ? "" : describe("path", params.error),
        query.success ? "" : describe("query", query.error),
        body.success ? "" : describe("body", body.error),
      ].filter(Boolean);
      if (bad.length || !params.success || !query.success || !body.success) {
        sendJson(res, 400, { error: bad.join("; ") });
        return true;
      }
      const out = await hit.r.run(deps, auth.caller, { params: params.data, query: query.data, body: body.data });
      sendJson(res, out.status, out.body);
    } catch (e) {
      deps.log.error({ err: errorMessage(e), path }, "API request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "the API could not answer this request; the server log has the details" });
      else res.end();
    }
    return true;
  };
}

const firstHeader = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

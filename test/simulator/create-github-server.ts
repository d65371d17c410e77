import { randomUUID } from "node:crypto";
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { FaultInjector } from "./fault-injector.js";
import { DOCS, RestError, badCredentials, type RestReply } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import { isGitPath, serveGitHttp, type GitHttpDeps } from "./serve-git-http.js";
import type { SimCore } from "./sim-core.js";
import type { CallRecord, FailRule } from "./sim-types.js";
import { enforceInstallationPermissions } from "./installation-permissions.js";
import { verifyAppJwt } from "./verify-app-jwt.js";

export interface ServerDeps {
  core: SimCore;
  router: RestRouter;
  /** Pages outside the API (the OAuth web flow). */
  web?: RestRouter;
  faults: FaultInjector;
  git: GitHttpDeps;
  calls: CallRecord[];
  unknownCalls: CallRecord[];
}

const API_PREFIX = "/api/v3";
const GRAPHQL_PATH = "/api/graphql";
const MAX_BODY = 32 * 1024 * 1024;

export function createGithubServer(deps: ServerDeps): Server {
  return createServer((req, res) => {
    handle(deps, req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `simulator error: ${e instanceof Error ? e.stack : String(e)}` }));
    });
  });
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rawUrl = req.url ?? "/";
  const url = new URL(rawUrl, "http://127.0.0.1");
  const method = req.method ?? "GET";
  // GitHub Enterprise Server serves GraphQL beside REST: `/api/graphql` is github.com's `/graphql`.
  const isGraphql = url.pathname === GRAPHQL_PATH;
  const isApi = isGraphql || url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`);
  const path = isGraphql ? "/graphql" : isApi ? url.pathname.slice(API_PREFIX.length) || "/" : url.pathname;
  const kind = !isApi && isGitPath(url.pathname) ? "git" : "rest";
  const record = (status: number, body?: unknown): CallRecord => {
    const call: CallRecord = { method, path, url: rawUrl, kind, status, at: Date.now(), ...(body !== undefined ? { body } : {}) };
    deps.calls.push(call);
    return call;
  };

  const fault = deps.faults.take(method, path, rawUrl);
  if (fault?.holdUntil) {
    fault.onHeld?.();
    await fault.holdUntil.catch(() => undefined);
  }
  if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
  if (fault?.status !== undefined) {
    req.resume();
    send(res, faultReply(fault));
    record(fault.status);
    return;
  }

  if (kind === "git") {
    record(await serveGitHttp(req, res, url, deps.git));
    return;
  }

  const moved = isApi ? movedRepoRedirect(deps, method, path, url.search) : undefined;
  if (moved) {
    req.resume();
    send(res, moved);
    record(moved.status);
    return;
  }
  const route = isApi ? deps.router.match(method, path) : (deps.web?.match(method, path) ?? null);
  if (!route) {
    req.resume();
    send(res, { status: 404, body: { message: "Not Found", documentation_url: DOCS, status: "404" } });
    deps.unknownCalls.push(record(404));
    return;
  }

  let body: Record<string, unknown> = {};
  let reply: RestReply;
  try {
    body = await readJson(req);
    const user = route.auth === "user" ? authorizeUser(deps.core, req.headers.authorization) : undefined;
    const token = route.auth === "user" || route.auth === "none" ? null : authorize(deps.core, route.auth, req.headers.authorization);
    if (route.auth === "token") enforceInstallationPermissions(route.route, deps.core.ctx.app.permissions);
    reply = await route.handler({ method, path, params: route.params, query: url.searchParams, body, headers: req.headers, token, user });
  } catch (e) {
    if (!(e instanceof RestError)) throw e;
    reply = { status: e.status, body: e.body, headers: e.headers };
  }
  record(reply.status, method === "GET" ? undefined : body);
  if (fault?.loseAnswer) {
    // The write has landed; the client only ever sees the connection go away.
    res.socket?.destroy();
    return;
  }
  send(res, reply);
}

function authorize(core: SimCore, auth: "jwt" | "token" | "none", header: string | undefined) {
  if (auth === "none") return null;
  const [scheme = "", credential = ""] = (header ?? "").split(/\s+/, 2);
  if (auth === "jwt") {
    if (!/^bearer$/i.test(scheme)) {
      throw new RestError(401, { message: "A JSON web token could not be decoded", documentation_url: DOCS, status: "401" });
    }
    const check = verifyAppJwt(credential, core.publicKey, core.ctx.app.id);
    if (!check.ok) throw new RestError(401, { message: check.message, documentation_url: DOCS, status: "401" });
    return null;
  }
  if (!/^(token|bearer)$/i.test(scheme))
    throw new RestError(401, { message: "Requires authentication", documentation_url: DOCS, status: "401" });
  const token = core.state.validToken(credential);
  if (!token) throw badCredentials();
  return token;
}

/** A user token from the OAuth web flow (`Authorization: token|bearer ghu_…`). */
function authorizeUser(core: SimCore, header: string | undefined): string {
  const [scheme = "", credential = ""] = (header ?? "").split(/\s+/, 2);
  if (!/^(token|bearer)$/i.test(scheme))
    throw new RestError(401, { message: "Requires authentication", documentation_url: DOCS, status: "401" });
  const found = core.state.userTokens.get(credential);
  if (!found || found.expiresAt <= Date.now()) throw badCredentials();
  return found.login;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RestError(413, { message: "Payload too large", documentation_url: DOCS, status: "413" });
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new RestError(400, { message: "Problems parsing JSON", documentation_url: DOCS, status: "400" });
  }
}

function faultReply(rule: FailRule): RestReply {
  const status = rule.status ?? 500;
  const limited =
    status === 429 || (status === 403 && rule.headers && Object.keys(rule.headers).some((h) => /retry-after|x-ratelimit/i.test(h)));
  const message = limited
    ? "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
    : (STATUS_CODES[status] ?? "Error");
  return { status, body: rule.body ?? { message, documentation_url: DOCS, status: String(status) }, headers: rule.headers };
}

function send(res: ServerResponse, reply: RestReply): void {
  const headers: Record<string, string> = {
    "x-github-request-id": randomUUID().toUpperCase(),
    "x-github-media-type": "github.v3; format=json",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-used": "1",
    "x-ratelimit-resource": "core",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    ...reply.headers,
  };
  if (reply.status === 204 || reply.status === 304) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const payload = reply.raw ?? Buffer.from(JSON.stringify(reply.body ?? {}), "utf8");
  if (!reply.raw) headers["content-type"] ??= "application/json; charset=utf-8";
  headers["content-length"] = String(payload.length);
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/**
 * A call under a repository's former name (renamed or transferred), as GitHub answers it: 301
 * Moved Permanently for a read, 307 for a write (so the client repeats it, body and all), to the
 * repository's address now. GitHub's `Location` is `/repositories/{id}/…`; here it is the new
 * name's `/repos/{owner}/{repo}/…`, which the same routes serve.
 */
function movedRepoRedirect(deps: ServerDeps, method: string, path: string, search: string): RestReply | undefined {
  const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
  const repo = m && deps.core.state.movedRepo(decodeURIComponent(m[1] ?? ""), decodeURIComponent(m[2] ?? ""));
  if (!m || !repo) return undefined;
  const location = `${deps.core.ctx.api}/repos/${repo.fullName}${m[3] ?? ""}${search}`;
  const status = method === "GET" || method === "HEAD" ? 301 : 307;
  return { status, body: { message: "Moved Permanently", url: location, documentation_url: DOCS }, headers: { location } };
}

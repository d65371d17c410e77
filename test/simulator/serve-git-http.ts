import { spawn } from "node:child_process";
import { relative } from "node:path";
import { gunzipSync } from "node:zlib";
import type { IncomingMessage, ServerResponse } from "node:http";
import { childEnv } from "./run-git.js";
import type { SimState } from "./sim-state.js";
import type { GitAccessRecord, GitWantRecord, SimRepo } from "./sim-types.js";

export interface GitHttpDeps {
  root: string;
  state: SimState;
  /** What the installation granted: fetching needs contents: read, pushing contents: write. */
  permissions(): Record<string, string>;
  onAccess(record: GitAccessRecord): void;
  /** After a successful push, so open PRs can follow their branches. */
  onPushed(repo: SimRepo): void;
  /** The object ids a fetch asked for, so a test can prove a commit was never served. */
  onWants?(record: GitWantRecord): void;
}

/** `want <sha>` lines of an upload-pack request body (protocol v0/v1 and v2; gzip as git sends it). */
function wantsOf(body: Buffer, gzip: boolean): string[] {
  let text: string;
  try {
    text = (gzip ? gunzipSync(body) : body).toString("latin1");
  } catch {
    return [];
  }
  return [...text.matchAll(/want ([0-9a-f]{40,64})/g)].map((m) => m[1] ?? "");
}

const GIT_PATH = /^\/([^/]+)\/([^/]+?)\.git(\/.*)?$/;

export function isGitPath(pathname: string): boolean {
  return GIT_PATH.test(pathname);
}

/** The installation token from `Basic x-access-token:TOKEN` (what git sends), or a bearer header. */
function tokenFrom(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme = "", value = ""] = header.split(/\s+/, 2);
  if (/^(bearer|token)$/i.test(scheme)) return value;
  if (!/^basic$/i.test(scheme)) return null;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0 || decoded.slice(0, colon) !== "x-access-token") return null;
  return decoded.slice(colon + 1);
}

/** Smart HTTP through `git http-backend`, behind GitHub's auth rules. Resolves with the status sent. */
export function serveGitHttp(req: IncomingMessage, res: ServerResponse, url: URL, deps: GitHttpDeps): Promise<number> {
  const m = GIT_PATH.exec(url.pathname);
  const service = url.searchParams.get("service") ?? url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  const receive = service === "git-receive-pack";
  const token = deps.state.validToken(tokenFrom(req.headers.authorization));
  if (!m || !token) {
    // git only sends the credentials from the URL after this challenge.
    res.writeHead(401, { "www-authenticate": 'Basic realm="GitHub"', "content-type": "text/plain" });
    res.end("Invalid username or token. Password authentication is not supported for Git operations.\n");
    req.resume();
    return Promise.resolve(401);
  }
  const contents = deps.permissions().contents ?? "none";
  if (contents === "none" || (receive && contents === "read")) {
    res.writeHead(403, { "content-type": "text/plain" });
    res.end(`Permission to ${m[1]}/${m[2]}.git denied to ${receive ? "push" : "fetch"}: the installation has contents: ${contents}.\n`);
    req.resume();
    return Promise.resolve(403);
  }
  const repo: SimRepo | undefined = deps.state.repo(m[1] ?? "", m[2] ?? "");
  if (!repo) {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("Repository not found.\n");
    req.resume();
    return Promise.resolve(404);
  }
  // One record per fetch/push: the ref advertisement starts every one of them.
  if (url.pathname.endsWith("/info/refs")) {
    deps.onAccess({ repo: repo.fullName, token: token.token, service: receive ? "git-receive-pack" : "git-upload-pack" });
  }
  const env = childEnv({
    GIT_PROJECT_ROOT: deps.root,
    GIT_HTTP_EXPORT_ALL: "1",
    // Its data where it was made: a renamed or transferred repository keeps its git data.
    PATH_INFO: `/${relative(deps.root, repo.dir)}${m[3] ?? ""}`,
    QUERY_STRING: url.search.replace(/^\?/, ""),
    REQUEST_METHOD: req.method ?? "GET",
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    // http-backend enables receive-pack only for an authenticated user.
    REMOTE_USER: "x-access-token",
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    ...(req.headers["content-length"] ? { CONTENT_LENGTH: req.headers["content-length"] } : {}),
    // http-backend inflates gzip request bodies itself when told about them.
    ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"]) } : {}),
    ...(req.headers["git-protocol"] ? { HTTP_GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
  });
  return new Promise((resolve) => {
    const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let head = Buffer.alloc(0);
    let headersSent = false;
    let stderr = "";
    let status = 200;
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = findHeaderEnd(head);
      if (!end) return;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end.at).toString("latin1").split(/\r?\n/)) {
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 200;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      headersSent = true;
      const rest = head.subarray(end.at + end.length);
      if (rest.length) res.write(rest);
    });
    child.on("close", (code) => {
      if (!headersSent) {
        status = 500;
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`git http-backend failed (${code}): ${stderr}`);
      } else {
        res.end();
      }
      if (receive && req.method === "POST" && code === 0) deps.onPushed(repo);
      resolve(status);
    });
    child.on("error", (e) => {
      stderr += String(e);
    });
    child.stdin.on("error", () => {});
    if (!receive && req.method === "POST" && deps.onWants) {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const gzip = /gzip/i.test(String(req.headers["content-encoding"] ?? ""));
        const wants = wantsOf(Buffer.concat(chunks), gzip);
        if (wants.length) deps.onWants?.({ repo: repo.fullName, wants });
      });
    }
    req.pipe(child.stdin);
  });
}

function findHeaderEnd(buf: Buffer): { at: number; length: number } | null {
  const crlf = buf.indexOf("\r\n\r\n");
  const lf = buf.indexOf("\n\n");
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return null;
}

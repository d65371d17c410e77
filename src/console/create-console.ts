import { randomBytes, timingSafeEqual } from "node:crypto";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { join } from "node:path";
import { AnsiUp } from "ansi_up";
import type { ServerConfig } from "../config/server-config.js";
import { repoFullName } from "../model/repo.js";
import type { Permission } from "../model/pull-request.js";
import type { Store } from "../store/store.js";
import { AUDIT_COLUMNS, auditRows, toCsv } from "./audit-rows.js";
import type { ConsoleEnv } from "./console-env.js";
import { type ConsoleSession, csrfToken, csrfValid, getSession, newCsrfSecret, sessionOptions } from "./console-session.js";
import { type LayoutData, renderPage } from "./console-templates.js";
import { SECURITY_HEADERS, readForm, redirect, safeReturnPath, sendHtml, sendJson } from "./http-replies.js";
import { streamJobEvents } from "./job-events.js";
import type { Metrics } from "./metrics.js";
import { canWrite, overviewRows, type OverviewFilter, STATUSES } from "./overview-rows.js";
import { createRepoAccess } from "./repo-access.js";
import { type SignInPort, SignInExpired } from "./sign-in-port.js";

export interface ConsoleDeps {
  store: Store;
  env: ConsoleEnv;
  /** Absent when GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET are not set: pages say how to set them. */
  signIn?: SignInPort;
  metrics: Metrics;
  config: Pick<ServerConfig, "admins" | "log_retention">;
  /** Where PR links point: https://github.com, or the GitHub Enterprise host. */
  githubWebUrl: string;
  /** Tells the worker a job was enqueued (an unlock). */
  wake(): void;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** How long GitHub's answer on what a user may read is reused (default 60 s). */
  accessTtlMs?: number;
  /** How often the job event stream asks the store for new output. */
  eventPollMs?: number;
}

interface Viewer {
  login: string;
  token: string;
  session: ConsoleSession;
  access: Map<string, Permission>;
  admin: boolean;
}

const PAGE_SIZE = 200;
const LIVE = new Set(["queued", "running"]);
const FLASH: Record<string, string> = {
  unlock: "Unlock queued: the lock is released in a moment, and the pull requests waiting for it are planned again.",
  pause: "Applies are paused: every apply is refused until an admin resumes them.",
  resume: "Applies are resumed.",
};

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
  const { store } = deps;
  const access = deps.signIn ? createRepoAccess(deps.signIn, deps.accessTtlMs) : undefined;
  const admins = new Set(deps.config.admins.map((a) => a.toLowerCase()));
  const assetCache = new Map<string, Buffer>();
  const stopping = new AbortController();

  const prune = () =>
    store
      .pruneJobLogs(new Date(Date.now() - deps.config.log_retention).toISOString())
      .then((n) => n && deps.log.info({ jobs: n }, "job logs past their retention removed"))
      .catch((e: unknown) => deps.log.warn({ err: e instanceof Error ? e.message : String(e) }, "could not prune job logs"));
  void prune();
  const pruneTimer = setInterval(prune, 3600_000);
  pruneTimer.unref();

  const secureCookie = (req: IncomingMessage) =>
    deps.env.publicUrl?.startsWith("https:") === true ||
    req.headers["x-forwarded-proto"] === "https" ||
    (req.socket as TLSSocket).encrypted === true;
  const session = (req: IncomingMessage, res: ServerResponse) => getSession(req, res, sessionOptions(deps.env.sessionSecret, secureCookie(req)));
  const baseUrl = (req: IncomingMessage) => deps.env.publicUrl ?? `http://${req.headers.host ?? "localhost"}`;

  function layout(viewer: Viewer | undefined, title: string, extra: Partial<LayoutData> = {}): LayoutData {
    return viewer
      ? { title, user: viewer.login, csrf: csrfToken(viewer.session), admin: viewer.admin, ...extra }
      : { title, ...extra };
  }
  const message = (res: ServerResponse, status: number, viewer: Viewer | undefined, heading: string, text: string, link?: { href: string; text: string }) =>
    sendHtml(res, status, renderPage("message", layout(viewer, heading), { heading, text, link }));

  /** The signed-in user, or an answer already sent: a redirect to sign in for pages, 401 otherwise. */
  async function viewerOf(req: IncomingMessage, res: ServerResponse, url: URL, kind: "page" | "api"): Promise<Viewer | undefined> {
    if (!deps.signIn || !access) {
      if (kind === "api") sendJson(res, 401, { error: "sign-in is not configured on this server" });
      else message(res, 503, undefined, "Sign-in is not configured", "The console needs the GitHub App's OAuth client: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (and SLUICE_PUBLIC_URL), then restart Sluice.");
      return undefined;
    }
    const s = await session(req, res);
    if (!s.login || !s.token) {
      if (kind === "api") sendJson(res, 401, { error: "sign in first", signIn: "/login" });
      else redirect(res, `/login?return=${encodeURIComponent(url.pathname + url.search)}`);
      return undefined;
    }
    try {
      const repos = await access.of(s.login, s.token);
      return { login: s.login, token: s.token, session: s, access: repos, admin: admins.has(s.login.toLowerCase()) };
    } catch (e) {
      if (!(e instanceof SignInExpired)) throw e;
      access.forget(s.login);
      s.destroy();
      if (kind === "api") sendJson(res, 401, { error: "your GitHub sign-in expired: sign in again", signIn: "/login" });
      else redirect(res, `/login?return=${encodeURIComponent(url.pathname + url.search)}`);
      return undefined;
    }
  }

  const readable = (v: Viewer, repo: string) => {
    const p = v.access.get(repo.toLowerCase());
    return p !== undefined && p !== "none";
  };

  /** POST forms: a CSRF token of this session, and (when the browser says) our own origin. */
  async function postForm(req: IncomingMessage, res: ServerResponse, v: Viewer): Promise<URLSearchParams | undefined> {
    const origin = req.headers.origin;
    if (origin && origin !== new URL(baseUrl(req)).origin) {
      sendJson(res, 403, { error: "cross-site request refused" });
      return undefined;
    }
    const form = await readForm(req);
    if (form === "too-large" || form === "wrong-type") {
      sendJson(res, form === "too-large" ? 413 : 415, { error: form === "too-large" ? "form too large" : "expected a form" });
      return undefined;
    }
    if (!csrfValid(v.session, form.get("_csrf"))) {
      sendJson(res, 403, { error: "invalid or missing CSRF token: reload the page and try again" });
      return undefined;
    }
    return form;
  }

  async function pauseState() {
    return store.appliesPaused();
  }

  // ---- routes -------------------------------------------------------------------------------

  async function metrics(req: IncomingMessage, res: ServerResponse) {
    const want = deps.env.metricsToken;
    if (want) {
      const given = Buffer.from(String(req.headers.authorization ?? ""));
      const expected = Buffer.from(`Bearer ${want}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401, { "www-authenticate": 'Bearer realm="sluice metrics"', "content-type": "text/plain" }).end("bearer token required\n");
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

  async function login(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (!deps.signIn) return message(res, 503, undefined, "Sign-in is not configured", "Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the GitHub App's OAuth client), then restart Sluice.");
    const s = await session(req, res);
    s.oauthState = randomBytes(24).toString("hex");
    s.returnTo = safeReturnPath(url.searchParams.get("return"));
    await s.save();
    redirect(res, deps.signIn.authorizeUrl(s.oauthState, `${baseUrl(req)}/login/callback`));
  }

  async function callback(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (!deps.signIn) return message(res, 503, undefined, "Sign-in is not configured", "Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.");
    const s = await session(req, res);
    const state = url.searchParams.get("state") ?? "";
    const code = url.searchParams.get("code");
    const expected = s.oauthState ?? "";
    const again = { href: "/login", text: "Sign in again" };
    if (url.searchParams.get("error")) return message(res, 403, undefined, "Sign-in cancelled", "GitHub did not sign you in.", again);
    if (!code || !expected || state.length !== expected.length || !timingSafeEqual(Buffer.from(state), Buffer.from(expected))) {
      return message(res, 400, undefined, "Sign-in failed", "This sign-in link is not the one this browser started (or it was used already).", again);
    }
    let user: { login: string; token: string };
    try {
      user = await deps.signIn.signIn(code, state, `${baseUrl(req)}/login/callback`);
    } catch (e) {
      deps.log.warn({ err: e instanceof Error ? e.message : String(e) }, "GitHub sign-in failed");
      return message(res, 502, undefined, "Sign-in failed", "GitHub did not accept the sign-in code. Try again.", again);
    }
    const returnTo = safeReturnPath(s.returnTo);
    s.login = user.login;
    s.token = user.token;
    s.csrfSecret = newCsrfSecret();
    s.oauthState = undefined;
    s.returnTo = undefined;
    await s.save();
    deps.log.info({ user: user.login }, "signed in to the console");
    redirect(res, returnTo);
  }

  async function overview(req: IncomingMessage, res: ServerResponse, url: URL, v: Viewer) {
    const q = url.searchParams;
    const status = q.get("status") ?? "";
    const filter: OverviewFilter = {
      repo: q.get("repo") || undefined,
      status: (STATUSES as readonly string[]).includes(status) || status === "locked" ? (status as OverviewFilter["status"]) : undefined,
      q: q.get("q") || undefined,
    };
    const [activity, locks, pause] = await Promise.all([store.projectActivity(), store.allLocks(), pauseState()]);
    const rows = overviewRows(activity, locks, v.access, filter);
    const total = overviewRows(activity, locks, v.access, {}).length;
    const repos = [...new Set([...v.access.entries()].filter(([, p]) => p !== "none").map(([r]) => r))].sort();
    const shown = rows.slice(0, PAGE_SIZE);
    sendHtml(
      res,
      200,
      renderPage("overview", layout(v, "Overview", { nav: "overview", pause, flash: FLASH[q.get("done") ?? ""] }), {
        rows: shown,
        shown: shown.length,
        total,
        more: rows.length > shown.length,
        repos,
        statuses: [...STATUSES, "locked"],
        filter,
        web: deps.githubWebUrl,
      }),
    );
  }

  async function jobPage(res: ServerResponse, v: Viewer, id: number) {
    const job = Number.isSafeInteger(id) ? await store.getJob(id) : undefined;
    // A job of a repo the user cannot read does not exist for them.
    if (!job || !readable(v, repoFullName(job.target.repo))) return message(res, 404, v, "No such job", `There is no job ${id} you can see.`, { href: "/", text: "Overview" });
    const [streams, chunks, pause] = await Promise.all([store.jobLogStreams(id), store.readJobLog(id, 0, 1_000_000), pauseState()]);
    const html = new Map<string, string>();
    const converters = new Map<string, AnsiUp>();
    for (const c of chunks) {
      let a = converters.get(c.project);
      if (!a) {
        a = new AnsiUp();
        a.use_classes = true;
        converters.set(c.project, a);
      }
      html.set(c.project, (html.get(c.project) ?? "") + a.ansi_to_html(c.text.replace(/\r\n/g, "\n").replace(/\r/g, "")));
    }
    const spec = job.spec;
    sendHtml(
      res,
      200,
      renderPage("job", layout(v, `Job ${id}`, { pause, script: "/assets/job.js" }), {
        job,
        kind: spec.kind,
        actor: spec.actor,
        repo: repoFullName(job.target.repo),
        streams: streams.map((s) => ({ project: s.project, truncated: s.truncated, html: html.get(s.project) ?? "" })),
        after: chunks.at(-1)?.seq ?? 0,
        live: LIVE.has(job.status),
        web: deps.githubWebUrl,
      }),
    );
  }

  async function jobEvents(req: IncomingMessage, res: ServerResponse, url: URL, v: Viewer, id: number) {
    const job = Number.isSafeInteger(id) ? await store.getJob(id) : undefined;
    if (!job || !readable(v, repoFullName(job.target.repo))) return sendJson(res, 404, { error: "no such job" });
    await streamJobEvents(req, res, store, id, Number(url.searchParams.get("after")) || 0, { pollMs: deps.eventPollMs, signal: stopping.signal });
  }

  async function locksPage(res: ServerResponse, url: URL, v: Viewer) {
    const [locks, pause] = await Promise.all([store.allLocks(), pauseState()]);
    const visible = locks
      .filter((l) => readable(v, l.repo))
      .map((l) => ({ ...l, canWrite: canWrite(v.access.get(l.repo.toLowerCase())) }));
    sendHtml(res, 200, renderPage("locks", layout(v, "Locks", { nav: "locks", pause, flash: FLASH[url.searchParams.get("done") ?? ""] }), { locks: visible, web: deps.githubWebUrl }));
  }

  /** The lock named by the request, if the user may release it and it is still held by that PR. */
  async function lockToRelease(res: ServerResponse, v: Viewer, p: URLSearchParams) {
    const repo = p.get("repo") ?? "";
    const pr = Number(p.get("pr"));
    if (!readable(v, repo)) return void message(res, 404, v, "No such lock", "There is no such lock you can see.", { href: "/locks", text: "Locks" });
    if (!canWrite(v.access.get(repo.toLowerCase()))) {
      return void message(res, 403, v, "Not allowed", `Unlocking needs write access to ${repo}.`, { href: "/locks", text: "Locks" });
    }
    const lock = (await store.allLocks()).find((l) => l.repo === repo && l.dir === p.get("dir") && l.workspace === p.get("workspace") && l.pr === pr);
    if (!lock) return void message(res, 409, v, "Lock already released", "That lock is no longer held by that pull request.", { href: "/locks", text: "Locks" });
    return lock;
  }

  async function unlockConfirm(res: ServerResponse, url: URL, v: Viewer) {
    const lock = await lockToRelease(res, v, url.searchParams);
    if (!lock) return;
    sendHtml(res, 200, renderPage("unlock", layout(v, `Unlock ${lock.project}`, { nav: "locks", pause: await pauseState() }), { lock, web: deps.githubWebUrl }));
  }

  async function unlock(req: IncomingMessage, res: ServerResponse, v: Viewer) {
    const form = await postForm(req, res, v);
    if (!form) return;
    const lock = await lockToRelease(res, v, form);
    if (!lock) return;
    const target = await store.lastJobTarget(lock.repo, lock.pr);
    if (!target) return message(res, 409, v, "Cannot unlock here", `Sluice has no job of #${lock.pr} to act for; comment \`/unlock\` on the pull request instead.`);
    // The same job `/unlock -d DIR -w WS` runs: it releases, discards the plan, re-plans the waiters.
    const jobId = await store.enqueueInternal(target, {
      kind: "unlock",
      command: { kind: "unlock", filter: { dir: lock.dir, workspace: lock.workspace } },
      commandLine: `unlock ${lock.project} (from the Sluice console)`,
      actor: v.login,
    });
    await store.recordAudit({
      actor: v.login,
      action: "unlock",
      repo: lock.repo,
      project: lock.project,
      pr: lock.pr,
      detail: `released from the console (dir ${lock.dir}, workspace ${lock.workspace}; job ${jobId})${lock.waiting.length ? `; re-planning ${lock.waiting.map((w) => `#${w}`).join(", ")}` : ""}`,
    });
    deps.log.info({ user: v.login, repo: lock.repo, project: lock.project, pr: lock.pr, jobId }, "unlock from the console queued");
    deps.wake();
    redirect(res, "/locks?done=unlock", 303);
  }

  async function pause(req: IncomingMessage, res: ServerResponse, v: Viewer) {
    const form = await postForm(req, res, v);
    if (!form) return;
    if (!v.admin) return message(res, 403, v, "Not allowed", "Only the server's admins (server config `admins`) may pause or resume applies.");
    const action = form.get("action");
    if (action === "pause") {
      const reason = (form.get("reason") ?? "").trim().slice(0, 200);
      if (!reason) return message(res, 400, v, "A reason is needed", "Say why applies are paused: it is shown on every pull request they block.", { href: "/", text: "Back" });
      await store.setAppliesPaused({ by: v.login, reason });
      await store.recordAudit({ actor: v.login, action: "pause", detail: reason });
    } else if (action === "resume") {
      await store.setAppliesPaused(undefined);
      await store.recordAudit({ actor: v.login, action: "resume", detail: "applies resumed" });
    } else {
      return message(res, 400, v, "Unknown action", "Expected pause or resume.");
    }
    deps.log.warn({ user: v.login, action }, `applies ${action === "pause" ? "paused" : "resumed"} from the console`);
    redirect(res, `/?done=${action}`, 303);
  }

  async function audit(res: ServerResponse, url: URL, v: Viewer, format: "html" | "csv" | "json") {
    const q = url.searchParams;
    const filter = { repo: q.get("repo") || undefined, action: q.get("action") || undefined, actor: q.get("actor") || undefined };
    const [applies, events] = await Promise.all([store.applyHistory({ repo: filter.repo, limit: 5000 }), store.auditEvents({ ...filter, limit: 5000 })]);
    const rows = auditRows(applies, events, (repo) => readable(v, repo), filter);
    if (format === "csv") {
      res.writeHead(200, { ...SECURITY_HEADERS, "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="sluice-audit.csv"' });
      res.end(toCsv(rows));
      return;
    }
    if (format === "json") {
      return sendJson(res, 200, rows.map((r) => Object.fromEntries([...AUDIT_COLUMNS.map((c) => [c, r[c]]), ["jobId", r.jobId]])), {
        "content-disposition": 'attachment; filename="sluice-audit.json"',
      });
    }
    const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => Boolean(e[1]))).toString();
    sendHtml(
      res,
      200,
      renderPage("audit", layout(v, "Audit", { nav: "audit", pause: await pauseState() }), {
        rows,
        filter,
        query,
        actions: ["apply", "unlock", "pause", "resume", "drift"],
        web: deps.githubWebUrl,
      }),
    );
  }

  async function logout(req: IncomingMessage, res: ServerResponse, v: Viewer) {
    const form = await postForm(req, res, v);
    if (!form) return;
    access?.forget(v.login);
    v.session.destroy();
    message(res, 200, undefined, "Signed out", "You are signed out of the Sluice console.", { href: "/login", text: "Sign in" });
  }

  /** Answers the request if it is the console's; false lets the app answer (e.g. 404). */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://console.invalid");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const get = method === "GET" || method === "HEAD";
    const route = (() => {
      if (path === "/metrics") return get ? () => metrics(req, res) : undefined;
      if (path in ASSETS) return get ? () => asset(res, path) : undefined;
      if (path === "/login") return get ? () => login(req, res, url) : undefined;
      if (path === "/login/callback") return get ? () => callback(req, res, url) : undefined;
      const page = (fn: (v: Viewer) => Promise<void>, kind: "page" | "api" = "page") => async () => {
        const v = await viewerOf(req, res, url, kind);
        if (v) await fn(v);
      };
      if (path === "/") return get ? page((v) => overview(req, res, url, v)) : undefined;
      if (path === "/locks") return get ? page((v) => locksPage(res, url, v)) : undefined;
      if (path === "/locks/unlock") return get ? page((v) => unlockConfirm(res, url, v)) : method === "POST" ? page((v) => unlock(req, res, v), "api") : undefined;
      if (path === "/pause") return method === "POST" ? page((v) => pause(req, res, v), "api") : undefined;
      if (path === "/logout") return method === "POST" ? page((v) => logout(req, res, v), "api") : undefined;
      if (path === "/audit") return get ? page((v) => audit(res, url, v, "html")) : undefined;
      if (path === "/audit.csv") return get ? page((v) => audit(res, url, v, "csv"), "api") : undefined;
      if (path === "/audit.json") return get ? page((v) => audit(res, url, v, "json"), "api") : undefined;
      const job = /^\/jobs\/(\d{1,12})(\/events)?$/.exec(path);
      if (job) {
        const id = Number(job[1]);
        if (!get) return undefined;
        return job[2] ? page((v) => jobEvents(req, res, url, v, id), "api") : page((v) => jobPage(res, v, id));
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
      deps.log.error({ err: e instanceof Error ? e.message : String(e), path }, "console request failed");
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

import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { ServerConfig } from "../config/server-config.js";
import type { Permission } from "../model/pull-request.js";
import type { Store } from "../store/store.js";
import type { ConsoleEnv } from "./console-env.js";
import { type ConsoleSession, csrfToken, csrfValid, getSession, sessionKey, sessionOptions } from "./console-session.js";
import { type LayoutData, renderPage } from "./console-templates.js";
import { readForm, redirect, sendHtml, sendJson } from "./http-replies.js";
import type { Metrics } from "./metrics.js";
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
  /** The audit stream and notifications, by store name, for the delivery log. */
  auditSinks?: { name: string; label: string }[];
  /** Tells the audit deliverer a redelivery was asked for. */
  wakeAudit?(): void;
}

/** The signed-in user of a request, with what GitHub says they may read. */
export interface Viewer {
  login: string;
  token: string;
  session: ConsoleSession;
  access: Map<string, Permission>;
  admin: boolean;
}

export const FLASH: Record<string, string> = {
  unlock: "Unlock queued: the lock is released in a moment, and the pull requests waiting for it are planned again.",
  pause: "Applies are paused: every apply is refused until an admin resumes them.",
  resume: "Applies are resumed.",
};

/** What every console route shares: sessions, who is signed in, what they may read, page layout. */
export function createConsoleContext(deps: ConsoleDeps) {
  const { store } = deps;
  const access = deps.signIn ? createRepoAccess(deps.signIn, deps.accessTtlMs) : undefined;
  const admins = new Set(deps.config.admins.map((a) => a.toLowerCase()));

  const secureCookie = (req: IncomingMessage) =>
    deps.env.publicUrl?.startsWith("https:") === true ||
    req.headers["x-forwarded-proto"] === "https" ||
    (req.socket as TLSSocket).encrypted === true;
  const session = (req: IncomingMessage, res: ServerResponse) =>
    getSession(req, res, sessionOptions(deps.env.sessionSecret, secureCookie(req)));
  const baseUrl = (req: IncomingMessage) => deps.env.publicUrl ?? `http://${req.headers.host ?? "localhost"}`;

  function layout(viewer: Viewer | undefined, title: string, extra: Partial<LayoutData> = {}): LayoutData {
    return viewer ? { title, user: viewer.login, csrf: csrfToken(viewer.session), admin: viewer.admin, ...extra } : { title, ...extra };
  }
  const message = (
    res: ServerResponse,
    status: number,
    viewer: Viewer | undefined,
    heading: string,
    text: string,
    link?: { href: string; text: string },
  ) => sendHtml(res, status, renderPage("message", layout(viewer, heading), { heading, text, link }));

  /** The signed-in user, or an answer already sent: a redirect to sign in for pages, 401 otherwise. */
  async function viewerOf(req: IncomingMessage, res: ServerResponse, url: URL, kind: "page" | "api"): Promise<Viewer | undefined> {
    if (!deps.signIn || !access) {
      if (kind === "api") sendJson(res, 401, { error: "sign-in is not configured on this server" });
      else
        message(
          res,
          503,
          undefined,
          "Sign-in is not configured",
          "The console needs the GitHub App's OAuth client: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (and SLUICE_PUBLIC_URL), then restart Sluice.",
        );
      return undefined;
    }
    const s = await session(req, res);
    // The store decides on every request: a session signed out (on any replica) or expired is
    // over, whatever cookie comes with it.
    const open = s.login && s.token && s.sid ? await store.consoleSessionLogin(sessionKey(s.sid)) : undefined;
    if (!s.login || !s.token || open?.toLowerCase() !== s.login.toLowerCase()) {
      if (s.login) s.destroy();
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
      if (s.sid) await store.endConsoleSession(sessionKey(s.sid));
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

  return { deps, store, access, session, baseUrl, layout, message, viewerOf, readable, postForm, pauseState };
}

export type ConsoleContext = ReturnType<typeof createConsoleContext>;

import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Explanation } from "../config/explain-settings.js";
import type { ChangeControl } from "../model/change-control.js";
import type { ServerConfig } from "../config/server-config.js";
import type { Store } from "../store/store.js";
import type { ConsoleEnv } from "./console-env.js";
import { type ConsoleSession, csrfToken, getSession, sessionOptions } from "./console-session.js";
import { type LayoutData, renderPage } from "./console-templates.js";
import { redirect, sendHtml, sendJson } from "./http-replies.js";
import type { Metrics } from "./metrics.js";
import { createRepoAccess } from "./repo-access.js";
import { consoleForms } from "./console-forms.js";
import { consoleViewers } from "./console-viewer.js";
import { sessionEnding } from "./session-end.js";
import type { SignInPort } from "./sign-in-port.js";
import type { Principal } from "./principal.js";
import { readable as principalReads } from "./principal.js";
import type { SsoProvider } from "../sso/sso-provider.js";
import { ProviderUnavailable } from "../sso/session-recheck.js";

export interface ConsoleDeps {
  store: Store;
  env: ConsoleEnv;
  /** Absent when GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET are not set: pages say how to set them. */
  signIn?: SignInPort;
  metrics: Metrics;
  config: Pick<ServerConfig, "admins" | "log_retention" | "repoRules"> &
    Partial<Pick<ServerConfig, "unsupported" | "github_sign_in" | "api">>;
  /** The OpenID Connect providers of server config `sso`, by name. */
  sso?: ReadonlyMap<string, SsoProvider>;
  /** A repository's effective server settings and their sources (the repo page), when the app gives it. */
  explain?: (repo: string) => Explanation;
  /** The server's apply windows, freezes and permissions that can hold a repository's projects, as they stand now. */
  changeControl?: (repo: string) => ChangeControl;
  /** Where PR links point: https://github.com, or the GitHub Enterprise host. */
  githubWebUrl: string;
  /** Tells the worker a job was enqueued (an unlock). */
  wake(): void;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** The console's clock (tests move it: an SSO session's next check with its provider is due by it). */
  now?: () => number;
  /** How long GitHub's answer on what a user may read is reused (default 60 s). */
  accessTtlMs?: number;
  /** How often the job event stream asks the store for new output. */
  eventPollMs?: number;
  /** How often an open job event stream asks again whether its viewer may read the job (default 5 s). */
  eventRecheckMs?: number;
  /** The audit stream and notifications, by store name, for the delivery log. */
  auditSinks?: { name: string; label: string }[];
  /** Tells the audit deliverer a redelivery was asked for. */
  wakeAudit?(): void;
}

/** The signed-in user of a request, with what they may read and do. */
export interface Viewer extends Principal {
  /** As pages show it: the GitHub login, or the user's name at the SSO provider. */
  login: string;
  /** GitHub sign-in only: the user token. */
  token?: string;
  /** GitHub sign-in only: the accounts whose repositories GitHub refused to list for the user, and why. */
  unlisted?: string[];
  session: ConsoleSession;
}

export const FLASH: Record<string, string> = {
  unlock: "Unlock queued: the lock is released in a moment, and the pull requests waiting for it are planned again.",
  pause: "Applies are paused: every apply is refused until an admin resumes them.",
  resume: "Applies are resumed.",
  "drift-pause": "Reconciliation of the project is paused: drift checks still report it, nothing is applied to it by itself.",
};

/**
 * The message of `?done=` (the redirect after a form), or none. The parameter is anyone's to put
 * in a link: only FLASH's own keys count, never what every object inherits (`constructor`,
 * `__defineGetter__`: a function Handlebars would call, failing the page or showing "[object Object]").
 */
export const flashOf = (done: string | null): string | undefined => (done !== null && Object.hasOwn(FLASH, done) ? FLASH[done] : undefined);

/** What every console route shares: sessions, who is signed in, what they may read, page layout. */
export function createConsoleContext(deps: ConsoleDeps) {
  const { store } = deps;
  const access = deps.signIn ? createRepoAccess(deps.signIn, deps.accessTtlMs) : undefined;

  const secureCookie = (req: IncomingMessage) =>
    deps.env.publicUrl?.startsWith("https:") === true ||
    req.headers["x-forwarded-proto"] === "https" ||
    (req.socket as TLSSocket).encrypted === true;
  const session = (req: IncomingMessage, res: ServerResponse) =>
    getSession(req, res, sessionOptions(deps.env.sessionSecret, secureCookie(req)));
  const baseUrl = (req: IncomingMessage) => deps.env.publicUrl ?? `http://${req.headers.host ?? "localhost"}`;

  function layout(viewer: Viewer | undefined, title: string, extra: Partial<LayoutData> = {}): LayoutData {
    const unsupported = deps.config.unsupported?.length ? { unsupported: deps.config.unsupported } : {};
    return viewer
      ? {
          title,
          user: viewer.login,
          csrf: csrfToken(viewer.session),
          admin: viewer.admin,
          pauser: viewer.mayPause,
          ...(viewer.unlisted?.length ? { unlisted: viewer.unlisted } : {}),
          ...unsupported,
          ...extra,
        }
      : { title, ...extra };
  }
  const message = (
    res: ServerResponse,
    status: number,
    viewer: Viewer | undefined,
    heading: string,
    text: string,
    link?: { href: string; text: string },
  ) => sendHtml(res, status, renderPage("message", layout(viewer, heading), { heading, text, link }));

  const now = deps.now ?? Date.now;
  const sealing = { sessionSecret: deps.env.sessionSecret, now };
  const githubOn = () => deps.config.github_sign_in !== false && deps.signIn !== undefined && access !== undefined;
  const sso = deps.sso ?? new Map<string, SsoProvider>();
  const { endSession, endSessionOf } = sessionEnding({ store, sso, sessionSecret: deps.env.sessionSecret, log: deps.log, now });
  const { viewerOfSession, stillReads } = consoleViewers(deps, sso, access, githubOn, now, endSessionOf);
  const { postForm } = consoleForms(deps, baseUrl);

  /** The signed-in user, or an answer already sent: a redirect to sign in for pages, 401 otherwise. */
  async function viewerOf(req: IncomingMessage, res: ServerResponse, url: URL, kind: "page" | "api"): Promise<Viewer | undefined> {
    if (!githubOn() && sso.size === 0) {
      if (kind === "api") sendJson(res, 401, { error: "sign-in is not configured on this server" });
      else
        message(
          res,
          503,
          undefined,
          "Sign-in is not configured",
          "The console needs a way to sign in: the GitHub App's OAuth client (GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET, with SLUICE_PUBLIC_URL) or an OpenID Connect provider (server config `sso`), then restart Sluice.",
        );
      return undefined;
    }
    const s = await session(req, res);
    let v: Awaited<ReturnType<typeof viewerOfSession>>;
    try {
      v = await viewerOfSession(s);
    } catch (e) {
      if (!(e instanceof ProviderUnavailable)) throw e;
      // Nothing decided: the session stays, and this request is not answered on groups the
      // provider was due to confirm.
      deps.log.warn({ user: s.login, provider: s.sso, reason: e.message }, "could not check a console session with its SSO provider");
      const text = `Sluice could not check your sign-in with ${s.sso}: ${e.message}. Try again in a moment.`;
      if (kind === "api") sendJson(res, 503, { error: text });
      else message(res, 503, undefined, "Sign-in could not be checked", text);
      return undefined;
    }
    if (!("over" in v)) return v;
    await endSession(s);
    if (s.login) s.destroy();
    if (kind === "api") sendJson(res, 401, { error: v.over, signIn: "/login" });
    else redirect(res, `/login?return=${encodeURIComponent(url.pathname + url.search)}${v.end ? `&ended=${v.end}` : ""}`);
    return undefined;
  }

  const readable = (v: Viewer, repo: string) => principalReads(v, repo);

  async function pauseState() {
    return store.appliesPaused();
  }

  return {
    deps,
    store,
    access,
    sso,
    githubOn,
    now,
    sealing,
    endSession,
    session,
    baseUrl,
    layout,
    message,
    viewerOf,
    readable,
    stillReads,
    postForm,
    pauseState,
  };
}

export type ConsoleContext = ReturnType<typeof createConsoleContext>;

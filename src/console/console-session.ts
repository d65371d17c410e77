import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import Tokens from "@fastify/csrf";
import { getIronSession, type IronSession } from "iron-session";
import type { SsoSessionFacts, SsoSessionOf, SsoSessionTokens } from "../model/sso-session.js";
import { sealSessionTokens } from "../sso/session-tokens.js";
import type { PendingSsoSignIn } from "../sso/sso-sign-in.js";
import type { ConsoleStore } from "../store/console-store.js";

export interface ConsoleSessionData {
  /** The server-side session this cookie belongs to (random): the store says whether it is still open. */
  sid?: string;
  /** GitHub sign-in: the login; SSO: the actor, `sso:<provider>:<user>` (what the store's session names). */
  login?: string;
  /** GitHub sign-in: the account id `GET /user` gave (server settings that name people compare it, not the login). */
  userId?: number;
  /** The GitHub user token (user-to-server, expires after 8 hours): sealed in the cookie, never shown. */
  token?: string;
  /** The SSO provider that signed the user in (absent: GitHub). */
  sso?: string;
  /**
   * SSO: the issuer and client of that provider at sign-in. A provider of the same name pointed at
   * another issuer or client since is another provider: its sessions end, as a removed one's do.
   */
  ssoFrom?: { issuer: string; clientId: string };
  /** SSO: the user's name at the provider, as pages show it. */
  username?: string;
  /** Between /login/sso/<name> and its callback: state, nonce and PKCE verifier, used once. */
  ssoPending?: PendingSsoSignIn;
  csrfSecret?: string;
  /** Between /login and /login/callback. */
  oauthState?: string;
  returnTo?: string;
}

export type ConsoleSession = IronSession<ConsoleSessionData>;

export const SESSION_TTL_S = 8 * 3600;
// CommonJS module: its default export is the constructor, callable without `new`.
const tokens = Tokens();

/**
 * The session's data lives in one sealed cookie (iron-session: encrypted and authenticated with
 * the session key), with the id of a session the store keeps: a cookie opens pages only while its
 * session is open there, so sign-out ends it on every replica, copies of the cookie included.
 * HttpOnly, SameSite=Lax, and Secure whenever the console is served over TLS; then also named
 * `__Host-`, which browsers let only the console's own host set: a page on a sibling host (a
 * preview, served from a pull request's code) could otherwise set a cookie of that name for the
 * parent domain and have the console read the PR author's session as the reader's.
 */
export function sessionOptions(password: string, secure: boolean) {
  return {
    password,
    cookieName: secure ? "__Host-sluice_session" : "sluice_session",
    ttl: SESSION_TTL_S,
    cookieOptions: { httpOnly: true, secure, sameSite: "lax" as const, path: "/" },
  };
}

/**
 * The request's session. A cookie of the session's name that is no seal at all (iron-session
 * throws on one with a foreign prefix or expiry field, where it reads a wrong key or an expired
 * seal as no session) is no session either: read as none, so that the next save writes over it.
 * Thrown, every page answered 500, sign-in and sign-out too, until the user cleared their cookies
 * by hand; over plain HTTP a sibling host can set that cookie for the whole domain.
 */
export async function getSession(
  req: IncomingMessage,
  res: ServerResponse,
  options: ReturnType<typeof sessionOptions>,
): Promise<ConsoleSession> {
  try {
    return await getIronSession<ConsoleSessionData>(req, res, options);
  } catch {
    const headers = { ...req.headers, cookie: withoutCookie(req.headers.cookie, options.cookieName) };
    return getIronSession<ConsoleSessionData>({ headers } as IncomingMessage, res, options);
  }
}

/** A Cookie header without the cookies of one name. */
function withoutCookie(header: string | undefined, name: string): string {
  return (header ?? "")
    .split(";")
    .filter((pair) => pair.split("=", 1)[0]?.trim() !== name)
    .join(";");
}

/** A new session id: 256 random bits. */
export function newSessionId(): string {
  return randomBytes(32).toString("base64url");
}

/** What the store keeps of a session id: its digest, so the table alone opens no session. */
export function sessionKey(sid: string): string {
  return createHash("sha256").update(sid).digest("hex");
}

/** Per-session CSRF secret; each form gets a fresh salted token for it (@fastify/csrf). */
export function newCsrfSecret(): string {
  return tokens.secretSync();
}

export function csrfToken(session: ConsoleSessionData): string {
  return session.csrfSecret ? tokens.create(session.csrfSecret) : "";
}

export function csrfValid(session: ConsoleSessionData, token: string | null): boolean {
  return Boolean(session.csrfSecret && token && tokens.verify(session.csrfSecret, token));
}

/** Who a sign-in found: a GitHub user with their token, or a user of one of the server's SSO providers. */
export type SignedIn =
  | { login: string; id: number; token: string }
  | {
      login: string;
      sso: string;
      ssoFrom: { issuer: string; clientId: string };
      username?: string;
      /**
       * What the store keeps (src/model/sso-session.ts): the groups live there, not in the cookie,
       * so that a later answer of the provider holds for every copy of it.
       */
      facts: Omit<SsoSessionFacts, "provider" | "sealedTokens">;
      tokens: SsoSessionTokens;
      /** The longest the session lasts (a provider that gave no refresh token: `reauthenticate_after`). */
      maxAgeMs: number;
    };

/** Where a session's SSO tokens are sealed with: the server's session secret, and the clock. */
export interface SessionSealing {
  sessionSecret: string;
  now: () => number;
}

/** What opening a session needs: the store, the sealing of SSO tokens, and the end of the session the browser held. */
export interface SessionOpening {
  store: Pick<ConsoleStore, "openConsoleSession">;
  sealing: SessionSealing;
  endSession(s: Pick<ConsoleSessionData, "sid" | "sso" | "ssoFrom">, next?: SsoSessionOf): Promise<void>;
}

/**
 * The session a sign-in opens, the one place sessions begin: the session this browser held ends
 * in the store, a new id and CSRF secret are made (an id planted in the browser before sign-in
 * never becomes a signed-in one), and what the sign-in kept on its way (the OAuth state, an SSO
 * nonce and verifier, the return path) goes. Fields of the other kind of sign-in are cleared, so
 * a GitHub sign-in after an SSO one keeps no provider's groups, and the other way round.
 */
export async function openSignedInSession({ store, sealing, endSession }: SessionOpening, s: ConsoleSession, who: SignedIn): Promise<void> {
  // The user signing in again keeps their token at the provider: the new one may share its grant.
  await endSession(
    s,
    "sso" in who ? { provider: who.sso, subject: who.facts.subject, ...(who.facts.sid ? { sid: who.facts.sid } : {}) } : undefined,
  );
  const sid = newSessionId();
  const key = sessionKey(sid);
  const ttl = "sso" in who ? Math.min(SESSION_TTL_S * 1000, who.maxAgeMs) : SESSION_TTL_S * 1000;
  const sso =
    "sso" in who
      ? {
          provider: who.sso,
          ...who.facts,
          ...(who.tokens.refreshToken || who.tokens.accessToken
            ? { sealedTokens: sealSessionTokens(who.tokens, sealing.sessionSecret, sid, key) }
            : {}),
        }
      : undefined;
  await store.openConsoleSession({
    key,
    login: who.login,
    expiresAt: new Date(sealing.now() + ttl).toISOString(),
    ...(sso ? { sso } : {}),
  });
  s.sid = sid;
  s.login = who.login;
  s.token = "token" in who ? who.token : undefined;
  s.userId = "token" in who ? who.id : undefined;
  s.sso = "sso" in who ? who.sso : undefined;
  s.ssoFrom = "sso" in who ? who.ssoFrom : undefined;
  s.username = "sso" in who ? who.username : undefined;
  s.csrfSecret = newCsrfSecret();
  s.oauthState = undefined;
  s.ssoPending = undefined;
  s.returnTo = undefined;
  await s.save();
}

import type { IncomingMessage, ServerResponse } from "node:http";
import Tokens from "@fastify/csrf";
import { getIronSession, type IronSession } from "iron-session";

export interface ConsoleSessionData {
  login?: string;
  /** The GitHub user token (user-to-server, expires after 8 hours): sealed in the cookie, never shown. */
  token?: string;
  csrfSecret?: string;
  /** Between /login and /login/callback. */
  oauthState?: string;
  returnTo?: string;
}

export type ConsoleSession = IronSession<ConsoleSessionData>;

const SESSION_TTL_S = 8 * 3600;
// CommonJS module: its default export is the constructor, callable without `new`.
const tokens = Tokens();

/**
 * The session lives in one sealed cookie (iron-session: encrypted and authenticated with the
 * session key), so every replica reads it without a session table. HttpOnly, SameSite=Lax, and
 * Secure whenever the console is served over TLS.
 */
export function sessionOptions(password: string, secure: boolean) {
  return {
    password,
    cookieName: "sluice_session",
    ttl: SESSION_TTL_S,
    cookieOptions: { httpOnly: true, secure, sameSite: "lax" as const, path: "/" },
  };
}

export function getSession(req: IncomingMessage, res: ServerResponse, options: ReturnType<typeof sessionOptions>): Promise<ConsoleSession> {
  return getIronSession<ConsoleSessionData>(req, res, options);
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

import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConsoleContext } from "./console-context.js";
import { openSignedInSession } from "./console-session.js";
import { redirect, sendJson } from "./http-replies.js";
import { safeReturnPath } from "./return-path.js";
import { errorMessage } from "../util/errors.js";

/**
 * The answer to a sign-in's return whose state is not the one this browser's session started
 * (another browser's link, or one used already), for GitHub's sign-in and SSO's alike.
 */
export function notThisBrowsersSignIn(message: ConsoleContext["message"], res: ServerResponse, again: { href: string; text: string }) {
  return message(
    res,
    400,
    undefined,
    "Sign-in failed",
    "This sign-in link is not the one this browser started (or it was used already).",
    again,
  );
}

// GitHub's OAuth web flow: /login sends the browser to GitHub with a fresh state kept in the
// session; /login/callback checks the state, trades the code for a user token and signs in.

export async function login(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, url: URL) {
  const { deps, session, baseUrl, message } = ctx;
  if (deps.config.github_sign_in === false)
    return message(res, 404, undefined, "GitHub sign-in is off", "This server signs in with its SSO providers only.", {
      href: "/login",
      text: "Sign in",
    });
  if (!deps.signIn)
    return message(
      res,
      503,
      undefined,
      "Sign-in is not configured",
      "Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the GitHub App's OAuth client), then restart Sluice.",
    );
  const s = await session(req, res);
  s.oauthState = randomBytes(24).toString("hex");
  s.returnTo = safeReturnPath(url.searchParams.get("return"), baseUrl(req));
  await s.save();
  redirect(res, deps.signIn.authorizeUrl(s.oauthState, `${baseUrl(req)}/login/callback`));
}

/**
 * The state GitHub brought back is the one this browser's sign-in kept, compared in constant time.
 * Byte lengths, not string lengths: a link's state of as many characters, one of them past ASCII,
 * is longer in bytes, and timingSafeEqual throws on buffers of two lengths (a 500 for a bad link).
 */
function sameState(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return b.length > 0 && a.length === b.length && timingSafeEqual(a, b);
}

export async function callback(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, url: URL) {
  const { deps, session, baseUrl, message } = ctx;
  if (deps.config.github_sign_in === false)
    return message(res, 404, undefined, "GitHub sign-in is off", "This server signs in with its SSO providers only.");
  if (!deps.signIn) return message(res, 503, undefined, "Sign-in is not configured", "Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.");
  const s = await session(req, res);
  const state = url.searchParams.get("state") ?? "";
  const code = url.searchParams.get("code");
  const expected = s.oauthState ?? "";
  const again = { href: "/login", text: "Sign in again" };
  if (url.searchParams.get("error")) return message(res, 403, undefined, "Sign-in cancelled", "GitHub did not sign you in.", again);
  if (!code || !sameState(state, expected)) {
    return notThisBrowsersSignIn(message, res, again);
  }
  let user: { login: string; id: number; token: string };
  try {
    user = await deps.signIn.signIn(code, state, `${baseUrl(req)}/login/callback`);
  } catch (e) {
    deps.log.warn({ err: errorMessage(e) }, "GitHub sign-in failed");
    return message(res, 502, undefined, "Sign-in failed", "GitHub did not accept the sign-in code. Try again.", again);
  }
  const returnTo = safeReturnPath(s.returnTo, baseUrl(req));
  await openSignedInSession(ctx, s, { login: user.login, id: user.id, token: user.token });
  deps.log.info({ user: user.login }, "signed in to the console");
  redirect(res, returnTo);
}

/**
 * Sign-out needs the session and its CSRF token, nothing more: not what GitHub (or the SSO roles)
 * says the user may read, so that a session ends while GitHub does not answer (down,
 * rate-limited), which is when someone leaving a shared machine still needs it to.
 */
export async function logout(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse) {
  const { message, postForm } = ctx;
  const s = await ctx.session(req, res);
  if (!s.login || !s.sid) return sendJson(res, 401, { error: "sign in first", signIn: "/login" });
  const form = await postForm(req, res, { session: s });
  if (!form) return;
  if (s.token) ctx.access?.forget(s.login);
  // Ended in the store first: a copy of this cookie is refused by every replica from now on (an
  // SSO session's refresh token is revoked at its provider too).
  await ctx.endSession(s);
  s.destroy();
  message(res, 200, undefined, "Signed out", "You are signed out of the Sluice console.", { href: "/login", text: "Sign in" });
}

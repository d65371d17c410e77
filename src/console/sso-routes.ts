import type { IncomingMessage, ServerResponse } from "node:http";
import { beginSsoSignIn, finishSsoSignIn } from "../sso/sso-sign-in.js";
import { describeOidcError } from "../sso/oidc-error.js";
import type { ConsoleContext } from "./console-context.js";
import { openSignedInSession } from "./console-session.js";
import { renderPage } from "./console-templates.js";
import { redirect, sendHtml } from "./http-replies.js";
import { safeReturnPath } from "./return-path.js";
import { notThisBrowsersSignIn } from "./sign-in-routes.js";
import { revokeTokensOfDemotedUser } from "./demoted-user-tokens.js";
import type { SessionEnd } from "./sso-session-recheck.js";

// OpenID Connect sign-in: /login/sso/<name> sends the browser to the provider (code flow with
// PKCE, a fresh state and nonce kept in the session); /login/sso/<name>/callback trades the code,
// has openid-client validate the ID token, maps the groups to roles and opens a session.

const redirectUri = (ctx: ConsoleContext, req: IncomingMessage, name: string) => `${ctx.baseUrl(req)}/login/sso/${name}/callback`;

/**
 * Why the session before this sign-in ended (`/login?ended=`), by a key of this list only: the
 * parameter is anyone's to write into a link, so no text of it is shown.
 */
const ENDED: Record<SessionEnd, string> = {
  refused:
    "Your session was ended: your identity provider no longer accepts your sign-in (your account was disabled, or its sign-in revoked). Sign in again.",
  expired: "Your sign-in ran out. Sign in again.",
};

/** `/login`: the ways to sign in; straight to GitHub when it is the only one (as before SSO). */
export async function loginChoice(ctx: ConsoleContext, res: ServerResponse, url: URL, github: () => Promise<void>) {
  if (ctx.sso.size === 0) return github();
  const ended = url.searchParams.get("ended");
  const flash = ended !== null && Object.hasOwn(ENDED, ended) ? ENDED[ended as SessionEnd] : undefined;
  const back = url.searchParams.get("return");
  const query = back ? `?return=${encodeURIComponent(back)}` : "";
  const providers = [...ctx.sso.values()].map((p) => {
    const status = p.status();
    return { href: `/login/sso/${p.name}${query}`, label: p.name, unavailable: status.ok ? undefined : "see /readyz" };
  });
  if (ctx.githubOn()) providers.push({ href: `/login/github${query}`, label: "GitHub", unavailable: undefined });
  sendHtml(res, 200, renderPage("login", ctx.layout(undefined, "Sign in", flash ? { flash } : {}), { providers }));
}

export async function ssoLogin(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, url: URL, name: string) {
  const provider = ctx.sso.get(name);
  if (!provider)
    return ctx.message(res, 404, undefined, "No such sign-in", "This server has no sign-in by that name.", {
      href: "/login",
      text: "Sign in",
    });
  const client = provider.client();
  const status = provider.status();
  if (!client || !status.ok) {
    return ctx.message(
      res,
      503,
      undefined,
      "Sign-in unavailable",
      `Sign-in with ${name} is unavailable: ${status.ok ? "the provider is not ready yet" : status.reason}. The server's /readyz names the problem too.`,
      { href: "/login", text: "Other ways to sign in" },
    );
  }
  const s = await ctx.session(req, res);
  const { url: to, pending } = await beginSsoSignIn(provider, client, redirectUri(ctx, req, name));
  s.ssoPending = pending;
  s.returnTo = safeReturnPath(url.searchParams.get("return"), ctx.baseUrl(req));
  await s.save();
  redirect(res, to);
}

export async function ssoCallback(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, url: URL, name: string) {
  const { deps, message } = ctx;
  const again = { href: `/login/sso/${name}`, text: "Sign in again" };
  const provider = ctx.sso.get(name);
  const client = provider?.client();
  if (!provider || !client) return message(res, 404, undefined, "No such sign-in", "This server has no sign-in by that name ready.");
  const s = await ctx.session(req, res);
  const pending = s.ssoPending;
  // Used once, whatever happens next: a replayed callback finds nothing to finish.
  s.ssoPending = undefined;
  await s.save();
  const error = url.searchParams.get("error");
  if (error) {
    // An error code is a word of RFC 6749's short list; anything else in it is whoever wrote the
    // link, not the provider, and is not shown on Sluice's page as if Sluice said it.
    const code = /^[a-z_]{1,40}$/.test(error) ? ` (${error})` : "";
    return message(res, 403, undefined, "Sign-in cancelled", `${name} did not sign you in${code}.`, again);
  }
  if (!pending || pending.provider !== name) return notThisBrowsersSignIn(message, res, again);
  const callbackUrl = new URL(`${redirectUri(ctx, req, name)}${url.search}`);
  let who: Awaited<ReturnType<typeof finishSsoSignIn>>;
  try {
    who = await finishSsoSignIn(provider, client, callbackUrl, pending, ctx.now());
  } catch (e) {
    const reason = describeOidcError(e);
    deps.log.warn({ provider: name, reason }, `SSO sign-in with ${name} refused`);
    return message(res, 401, undefined, "Sign-in failed", `${name}'s answer was refused: ${reason}`, again);
  }
  const returnTo = safeReturnPath(s.returnTo, ctx.baseUrl(req));
  const refreshes = who.tokens.refreshToken !== undefined;
  await openSignedInSession(ctx, s, {
    login: who.actor,
    sso: name,
    ssoFrom: { issuer: provider.settings.issuer, clientId: provider.settings.client_id },
    username: who.username,
    facts: {
      subject: who.subject,
      ...(who.sid ? { sid: who.sid } : {}),
      groups: who.groups,
      checkedAt: new Date(ctx.now()).toISOString(),
    },
    tokens: who.tokens,
    // Without a refresh token the provider can be asked only while the access token lasts.
    maxAgeMs: refreshes ? Number.POSITIVE_INFINITY : provider.settings.reauthenticate_after,
  });
  deps.log.info({ user: who.actor, provider: name, roles: who.grants.map((g) => g.role) }, "signed in to the console");
  // A user demoted while away loses, as they come back, the tokens their roles no longer cover.
  const issuer = { actor: who.actor, sso: { provider: name, issuer: provider.settings.issuer, subject: who.subject } };
  await revokeTokensOfDemotedUser({ store: deps.store, provider, now: ctx.now, log: deps.log }, issuer, who.groups);
  redirect(res, returnTo);
}
